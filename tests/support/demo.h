// Test fixtures shared by the suites: the tiny demo model and configs for it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "config/config.h"

namespace perimeter::testing {

// Path of the tiny demo model (seed 1), generated once into the build tree.
const std::filesystem::path& tiny_model();

// Its sha256.
const std::string& tiny_model_sha256();

// A LoRA adapter for the tiny demo model (write_demo_adapter with `seed`),
// written once per process into the build tree, and its sha256.
const std::filesystem::path& tiny_adapter(uint64_t seed = 1);
const std::string& tiny_adapter_sha256(uint64_t seed = 1);

// A one-model config serving the tiny demo model as "demo" on an ephemeral
// loopback port; `extra_model_yaml` is appended inside the model's mapping.
config::Config demo_config(int slots = 2, int queue = 8, const std::string& extra_model_yaml = "");

// The whole content of `file` ("" if it cannot be read).
std::string file_bytes(const std::filesystem::path& file);

}  // namespace perimeter::testing
