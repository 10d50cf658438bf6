// The gateway's topology, read from version-controlled YAML. Loading
// validates everything up front: a bad key or value fails with its key path.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "auth/auth.h"
#include "config/yaml_reader.h"
#include "detect/detector.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
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

// `engine: http`: an OpenAI-compatible upstream (vLLM, llama.cpp server,
// Ollama, TGI, a cloud API).
struct Upstream {
  // API bases as in the OpenAI SDK's base_url (usually ending in /v1);
  // requests go to <url>/chat/completions. Several = load-balanced.
  std::vector<std::string> urls;
  std::string model;                 // `upstream_model`: the name sent upstream (its snapshot)
  std::string api_key_env;           // environment variable holding the bearer key; empty = none
  std::string flavour = "openai";    // openai | vllm | llamacpp | ollama | tgi
  double connect_timeout_s = 5;      // TCP connect + TLS handshake
  double first_byte_timeout_s = 60;  // request sent -> first response byte
  double idle_timeout_s = 30;        // longest silence inside a response
  int max_inflight = 64;             // requests in flight; more wait in the model's queue
  int retries = 2;             // extra attempts (connect errors, 429, 502/503/504), before any byte
  int retry_backoff_ms = 200;  // base of the jittered exponential backoff
  int eject_after = 3;         // consecutive failures that take a url out of rotation
  double eject_s = 10;         // cool-down before an ejected url is probed again
  bool tls_verify = true;      // verify the server certificate and host name (https)
  std::filesystem::path ca_file;  // extra trusted CAs (PEM); empty = the system store only
  // `saturation:`: a periodic load probe per url; a saturated url is skipped.
  std::string probe = "none";  // none | llamacpp_slots | vllm_metrics
  int probe_interval_ms = 1000;
  int probe_max_waiting = 0;  // vllm_metrics: vllm:num_requests_waiting above it = saturated
};

// A GGUF LoRA adapter of an embedded model, selected per route or request by name.
struct Adapter {
  std::string name;
  std::filesystem::path path;  // absolute
  std::string path_as_written;
  std::string sha256;  // pinned; loading refuses any other file
  double scale = 1;
};

struct Model {
  std::string id;
  std::string engine;            // "embedded" | "http"
  std::string egress = "local";  // "local" | "cloud": whether data sent there leaves the host
  Upstream upstream;             // engine: http only
  bool sampling_set = false;     // `sampling:` present (http models send only what is set)
  std::filesystem::path path;
  std::string sha256;             // pinned; loading refuses any other file
  std::vector<Adapter> adapters;  // engine: embedded only; by name order
  Sampling sampling;
  int slots = 2;                       // sequences decoded together
  int threads = 0;                     // 0 = number of cores
  int context = 2048;                  // tokens per slot
  int queue = 64;                      // requests waiting for a slot before 503
  int queue_wait_ms = 30000;           // longest wait for a slot (http: 0) before 503 saturated
  std::optional<ledger::Price> price;  // `price:`; also entered in Config::ledger.prices
};

struct Server {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  size_t max_body_bytes = 4 << 20;
  int threads = 1;  // network threads: one hands nothing between threads (docs/overhead.md)
  int idle_timeout_s = 60;
  int busy_poll_us = 0;  // network threads poll this long before sleeping (0: never)
};

struct Config {
  std::filesystem::path source;    // file it was read from, if any
  std::filesystem::path base_dir;  // relative paths resolve against it
  Server server;
  std::map<std::string, Model> models;
  std::string default_model;  // used when a request names "auto" or no model
  detect::DetectorOptions detect = detect::default_detector_options();  // `detect:`
  router::RouterOptions router;                                         // `router:`
  auth::AuthOptions auth;                    // `auth:`; no keys = local single-user mode
  std::optional<audit::AuditOptions> audit;  // `audit:`; absent = no audit log (stated at startup)
  ledger::LedgerOptions ledger;              // `ledger:` plus every model's `price:`
  policy::PolicyOptions policy;              // `policy:`; absent = one route to default_model

  // `p` made absolute against the config file's folder.
  std::filesystem::path resolve(const std::filesystem::path& p) const {
    return p.is_relative() ? base_dir / p : p;
  }
};

// What policy needs to know of each configured model (egress, adapter names).
std::map<std::string, policy::ModelFacts> model_facts(const std::map<std::string, Model>& models);

// Parses and validates YAML text; relative paths resolve against `base_dir`.
// Throws ConfigError("<key path>: <rule>").
Config parse_config(const std::string& yaml_text, const std::filesystem::path& base_dir);

// Reads, parses and validates a config file. Throws ConfigError.
Config load_config(const std::filesystem::path& file);

}  // namespace perimeter::config
