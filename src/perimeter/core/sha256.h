// SHA-256 helpers (OpenSSL). Models, router artefacts and API keys are all
// pinned by their lowercase hex sha256.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace perimeter {

// Lowercase hex sha256 of `data`.
std::string sha256_hex(std::string_view data);

// Lowercase hex sha256 of the file's bytes; throws std::runtime_error if unreadable.
std::string sha256_file(const std::filesystem::path& path);

// True if `s` is 64 lowercase hex digits.
bool is_sha256_hex(std::string_view s);

}  // namespace perimeter
