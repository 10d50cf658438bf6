// Shared helpers for the audit tests: sample records, temp dirs, and a store
// factory parameterised over SQLite and the throwaway PostgreSQL server.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "audit/audit_log.h"
#include "audit/pg_fixture.h"
#include "audit/store.h"

namespace perimeter::testing {

inline audit::Decision sample_decision(int i, const std::string& principal = "alice") {
  audit::Decision d;
  d.request_id = "req-" + std::to_string(i);
  d.principal = principal;
  d.role = "support";
  d.declared_sensitivity = "internal";
  d.effective_sensitivity = "restricted";
  d.intent = "sensitive_extraction";
  d.intent_confidence = 0.93;
  d.findings = {{"email", 2}, {"phone", 1}};
  d.route = "sensitive_extraction";
  d.backend = "extractor";
  d.egress = "local";
  d.transform = "none";
  d.model = {"extractor", std::string(64, 'a'), "", "", ""};
  d.sampling.temperature = 0;
  d.sampling.top_k = 1;
  d.sampling.seed = 42;
  return d;
}

inline audit::Outcome sample_outcome(int i, const std::string& principal = "alice") {
  audit::Outcome o;
  o.request_id = "req-" + std::to_string(i);
  o.principal = principal;
  o.role = "support";
  o.route = "sensitive_extraction";
  o.backend = "extractor";
  o.egress = "local";
  o.model = {"extractor", std::string(64, 'a'), "", "", ""};
  o.prompt_tokens = 100 + i;
  o.completion_tokens = 20;
  o.latency_ms = 12.5;
  o.status = 200;
  o.finish_reason = "stop";
  return o;
}

// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string t = (std::filesystem::temp_directory_path() / "perimeter-audit-XXXXXX").string();
    if (!::mkdtemp(t.data())) throw std::runtime_error("mkdtemp failed");
    path_ = t;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A store URL of kind "sqlite" (file in `dir`) or "postgres" (fresh schema).
inline std::string store_url(const std::string& kind, const TempDir& dir) {
  if (kind == "sqlite") return "sqlite:" + (dir.path() / "audit.db").string();
  static std::atomic<int> n{0};
  return PgServer::shared().fresh_schema_url("t" + std::to_string(::getpid()) + "_" +
                                             std::to_string(n++));
}

}  // namespace perimeter::testing
