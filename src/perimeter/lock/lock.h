// The lockfile: everything that decides what a request's answer is made of —
// the config, every model file, the router artefact, adapters, the llama.cpp
// build, each cloud model's snapshot name — recorded in one diff-friendly file
// (perimeter.lock, JSON with sorted keys) that lives in git beside the config.
// `perimeter verify` and `perimeter serve --locked` compare it with the
// current state and name every difference.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"

namespace perimeter::lock {

// Format of the lock file; read_lock refuses any other.
inline constexpr int kFormatVersion = 1;

// A GGUF LoRA adapter of an embedded model (`models.<id>.adapters`).
struct LockedAdapter {
  std::string name;
  std::string path;    // as written in the config
  std::string sha256;  // of the file on disk
  double scale = 1;
};

struct LockedModel {
  std::string engine;  // embedded | http
  std::string egress;  // local | cloud
  // engine: embedded
  std::string path;    // as written in the config
  std::string sha256;  // of the file on disk (lock_config: equal to the config's pin)
  std::vector<LockedAdapter> adapters;  // in adapter-name order
  // engine: http
  std::string upstream_model;  // the snapshot name sent upstream
  std::vector<std::string> urls;
  // Decoding defaults: always for embedded, for http only when `sampling:` is set.
  std::optional<config::Sampling> sampling;
};

struct LockedRouter {
  std::string kind;    // linear | llm
  std::string model;   // linear: "builtin" or the artefact as written; llm: the model id
  std::string path;    // linear: the artefact file ("builtin": relative to the source root)
  std::string sha256;  // linear: of the artefact on disk
};

struct Lock {
  int version = kFormatVersion;
  std::string config_file;    // the config's file name (informational)
  std::string config_sha256;  // of the config file's bytes
  std::string llama_cpp;      // the llama.cpp build linked into this binary (git describe)
  std::map<std::string, LockedModel> models;
  LockedRouter router;
};

// lock_config refused: some file differs from its pin in the config.
struct PinMismatch : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The state of `config_file` and the files it names as they are now. A file
// that cannot be read gets the sha256 "unreadable: <why>" (a drift, not an
// error). Throws std::runtime_error if the config cannot be read or parsed.
Lock current_state(const std::filesystem::path& config_file);

// current_state, refusing with PinMismatch (listing every mismatch and
// unreadable file) unless every hashed file equals its pin in the config.
Lock lock_config(const std::filesystem::path& config_file);

// Where the lock of `config_file` lives by default: perimeter.lock beside it.
std::filesystem::path default_lock_path(const std::filesystem::path& config_file);

// The lock as JSON (keys sorted) and back; from_json throws
// std::runtime_error on an unknown format version or a malformed lock.
nlohmann::json to_json(const Lock& lock);
Lock from_json(const nlohmann::json& j);

// Writes the lock's text (2-space JSON, sorted keys, trailing newline)
// atomically (temp file + rename). Throws std::runtime_error on IO failure.
void write_lock(const Lock& lock, const std::filesystem::path& file);

// Reads a lock file. Throws std::runtime_error naming the file on IO or format errors.
Lock read_lock(const std::filesystem::path& file);

// One difference between the lock and the current state.
struct Drift {
  std::string what;     // key path, e.g. "models.demo.sha256"
  std::string locked;   // value in the lock, "(absent)" if it has none
  std::string current;  // value now, "(absent)" if there is none
};

// Every difference between `locked` and `current`, in key order; empty = clean.
std::vector<Drift> compare(const Lock& locked, const Lock& current);

// compare(read_lock(lock_file), current_state(config_file)); throws as they do.
std::vector<Drift> verify(const std::filesystem::path& config_file,
                          const std::filesystem::path& lock_file);

// "what: locked X, current Y".
std::string to_string(const Drift& d);

// A short stable identifier of what decides the output bytes — every model's
// file hash (or snapshot name for http), its sampling defaults and the
// llama.cpp build: "fp_" + 12 lowercase hex digits. For system_fingerprint.
std::string fingerprint(const Lock& lock);

// The same for one model as configured (its pinned sha256 or snapshot name,
// sampling defaults, the linked llama.cpp build, the pin and scale of
// `adapter` if one is applied): the `system_fingerprint` of its answers, so
// that changing another model or adapter does not change it. Throws
// std::invalid_argument if the model has no such adapter.
std::string model_fingerprint(const config::Model& model, const std::string& adapter = "");

}  // namespace perimeter::lock
