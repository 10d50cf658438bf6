// The gateway's topology, read from version-controlled YAML. Loading
// validates everything up front: a bad key or value fails with its key path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include "audit/audit_log.h"
#include "config/yaml_reader.h"
#include "detect/detector.h"
#include "ledger/ledger.h"
#include "router/router.h"

namespace perimeter::config {

// Decoding defaults of a model; each request may override them.
struct Sampling {
  double temperature = 0.8;  // 0 = greedy
  int top_k = 40;            // 0 = disabled
  double top_p = 0.95;
  double min_p = 0.05;
  std::optional<uint32_t> seed;  // absent = a fresh random seed per request
  int max_tokens = 256;
};

struct Model {
  std::string id;
  std::string engine;  // "embedded"
  std::filesystem::path path;
  std::string sha256;  // pinned; loading refuses any other file
  Sampling sampling;
  int slots = 2;                       // sequences decoded together
  int threads = 0;                     // 0 = number of cores
  int context = 2048;                  // tokens per slot
  int queue = 64;                      // requests waiting for a slot before 503
  std::optional<ledger::Price> price;  // `price:`; also entered in Config::ledger.prices
};

struct Server {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t max_body_bytes = 4 << 20;
  int threads = 2;
  int idle_timeout_s = 60;
};

struct Config {
  std::filesystem::path source;    // file it was read from, if any
  std::filesystem::path base_dir;  // relative paths resolve against it
  Server server;
  std::map<std::string, Model> models;
  std::string default_model;  // used when a request names "auto" or no model
  detect::DetectorOptions detect = detect::default_detector_options();  // `detect:`
  router::RouterOptions router;                                         // `router:`
  std::optional<audit::AuditOptions> audit;  // `audit:`; absent = no audit log (stated at startup)
  ledger::LedgerOptions ledger;              // `ledger:` plus every model's `price:`

  // `p` made absolute against the config file's folder.
  std::filesystem::path resolve(const std::filesystem::path& p) const {
    return p.is_relative() ? base_dir / p : p;
  }
};

// Parses and validates YAML text; relative paths resolve against `base_dir`.
// Throws ConfigError("<key path>: <rule>").
Config parse_config(const std::string& yaml_text, const std::filesystem::path& base_dir);

// Reads, parses and validates a config file. Throws ConfigError.
Config load_config(const std::filesystem::path& file);

}  // namespace perimeter::config
