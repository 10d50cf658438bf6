// What one audit record says. Plain data filled by the request path; the log
// turns each into canonical JSON bytes that enter the hash chain. No field
// carries prompt or completion text: only types, counts, hashes and decisions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace perimeter::audit {

// The model that serves (or would serve) a request. Local models carry the
// pinned sha256 of their file; cloud models their dated snapshot name.
struct ModelRef {
  std::string id;              // config name, e.g. "extractor"
  std::string sha256;          // local: pinned file hash; empty for cloud
  std::string snapshot;        // cloud: upstream model name/snapshot; empty for local
  std::string adapter;         // local: LoRA adapter applied; empty = none
  std::string adapter_sha256;  // its pinned file hash
};

// Effective sampling parameters; absent fields were left to the backend.
struct SamplingRecord {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<int> top_k;
  std::optional<uint64_t> seed;
  std::optional<int> max_tokens;
};

// Written, and durable, before anything is dispatched.
struct Decision {
  std::string request_id;
  std::string principal;  // API-key id
  std::string role;
  std::string declared_sensitivity;   // what the caller declared
  std::string effective_sensitivity;  // max(declared, detected, role floor)
  std::string intent;                 // public_fact | sensitive_extraction | complex_reasoning
  double intent_confidence = 0;
  std::map<std::string, int> findings;  // finding type -> count; never the values
  std::string route;
  std::string backend;    // chosen backend (config name)
  std::string egress;     // "local" | "cloud"
  std::string transform;  // "none" | "pseudonymize" | "mask"
  ModelRef model;
  SamplingRecord sampling;
  std::string prompt_sha256;  // optional; empty = not recorded
};

// Written after the answer (or failure); the ledger is computed from these.
struct Outcome {
  std::string request_id;
  std::string principal;
  std::string role;
  std::string route;
  std::string backend;
  std::string egress;  // "local" | "cloud"
  ModelRef model;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  double cost = 0;            // in the ledger currency
  double latency_ms = 0;      // total request latency
  int status = 200;           // HTTP status returned to the client
  std::string finish_reason;  // stop | length | cancelled | error
  std::string error_code;     // empty on success
};

// A saturation fallback that sends a request outside the host: its own,
// flagged record naming what crossed and in which form.
struct Fallback {
  std::string request_id;
  std::string principal;
  std::string route;
  std::string from_backend;  // the saturated backend
  std::string to_backend;    // the fallback target
  std::string egress;        // egress class of to_backend
  std::string reason = "saturated";
  std::vector<std::string> categories;  // finding categories that crossed
  std::string transform;                // how they crossed: none | pseudonymize | mask
  ModelRef model;
};

// Record payloads as JSON objects (keys sorted by nlohmann::json's std::map,
// so dump() is canonical). Absent optionals are omitted.
nlohmann::json to_json(const Decision& d);
nlohmann::json to_json(const Outcome& o);
nlohmann::json to_json(const Fallback& f);

// Inverse of to_json(Outcome) (used by the ledger); missing fields keep defaults.
Outcome outcome_from_json(const nlohmann::json& j);

// Canonical bytes of a JSON value: sorted keys, no whitespace, UTF-8, invalid
// UTF-8 replaced by U+FFFD so that dumping never throws.
std::string canonical(const nlohmann::json& j);

// RFC 3339 UTC with milliseconds, e.g. "2026-01-02T03:04:05.678Z".
std::string format_time_ms(int64_t unix_ms);

// Parses "2026-01-02", "2026-01-02T03:04:05Z" (optionally with .mmm) or a
// relative age "30m", "24h", "7d" (before `now_ms`); throws std::runtime_error.
int64_t parse_time_ms(const std::string& s, int64_t now_ms);

// Milliseconds since the Unix epoch, from the system clock.
int64_t now_ms();

}  // namespace perimeter::audit
