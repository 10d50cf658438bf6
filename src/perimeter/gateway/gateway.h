// The request path behind the HTTP layer: analysis, budget, the audited
// decision, which backend answers, and the accounting afterwards. Later
// stages (authentication, policy) plug in here, so the HTTP layer stays a
// protocol adapter.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "analyze/analyzer.h"
#include "auth/auth.h"
#include "backends/backend.h"
#include "config/config.h"
#include "ledger/budget.h"
#include "metrics/metrics.h"
#include "policy/policy.h"
#include "redact/redact.h"

namespace boost::asio {
class io_context;
}

namespace perimeter::gateway {

// A chat request that passed analysis, budget and the durable decision
// record: what the outcome record and the metrics need afterwards.
struct Admission {
  std::string request_id;
  std::string principal;
  std::string role;
  detect::Sensitivity effective =
      detect::Sensitivity::Restricted;  // max(detected, declared, floor)
  std::string route;                    // the policy route, or "model:<id>" (named by the client)
  policy::Plan plan;                    // candidates in the order the dispatcher tries them
  size_t candidate = 0;                 // index into plan.candidates of the backend below
  backends::Backend* backend = nullptr;
  backends::BackendInfo info;
  std::string fingerprint;  // system_fingerprint of `backend`'s answers (lock::model_fingerprint)
  ChatRequest original;     // as the client sent it (sampling seed pinned)
  ChatRequest request;      // as dispatched to `backend`: transformed for a cloud candidate
  // Placeholder -> original value when `request` was pseudonymized; the
  // answer is re-identified with it. Empty otherwise.
  std::map<std::string, std::string> placeholders;
  analyze::Analysis analysis;
  int64_t decision_seq = 0;  // the decision record's sequence number; 0 with no audit log
  std::chrono::steady_clock::time_point started;     // request received
  std::chrono::steady_clock::time_point dispatched;  // set by the caller at backend start
};

class Gateway {
 public:
  // Builds the analysis stage (detectors, pinned router), opens the audit log
  // (refusing a damaged chain) and seeds budgets from it; throws
  // std::runtime_error if it cannot. Models load later, in load_models().
  explicit Gateway(config::Config config);

  // Intent and sensitivity of a conversation; never throws (fails closed).
  analyze::Analysis analyze(const std::vector<Message>& messages) const {
    return analyzer_.analyze(messages);
  }

  // The analysis as the JSON that /v1/perimeter/analyze and `perimeter analyze` print.
  nlohmann::json analysis_json(const analyze::Analysis& a) const { return analyzer_.to_json(a); }

  // The caller named by an `Authorization` header value; kLocalPrincipal
  // when no keys are configured. Throws Error 401.
  auth::Principal authenticate(std::string_view authorization) const {
    return auth_.authenticate(authorization);
  }

  // Analyzes the request, checks the principal's role and budget and makes
  // the decision record durable, blocking for the audit group commit: call
  // it off the I/O threads. Throws Error: 404 unknown model, 403 model not
  // allowed for the role, 503 still loading or audit log unavailable, 429
  // over budget, 400 bad sampling values.
  Admission admit(std::string request_id, const auth::Principal& who, ChatRequest request,
                  std::chrono::steady_clock::time_point started);

  // Moves `a` to the next candidate of its Plan that may answer after
  // `failure` (an Error thrown by or ended with by the current backend before
  // any byte reached the client), applying that candidate's egress transform.
  // A move to a cloud target is written to the audit log (a flagged fallback
  // record) and durable before this returns: call it off the I/O threads.
  // False, leaving `a` unchanged, when no candidate may take over.
  bool fall_back(Admission& a, const Error& failure);

  // The error the client gets when no candidate of `a`'s Plan could answer
  // after `failure`: `failure`, saying which data kept the request on the
  // host when policy ruled out a cloud candidate.
  Error final_error(const Admission& a, const Error& failure) const;

  // The sink `a`'s backend answers into, relaying to `sink`: placeholders put
  // back (stream-safe) when `a` was pseudonymized; with a response_format,
  // an answer that finishes with `stop` is validated against its schema and
  // ends with Error 502 invalid_structured_output if it does not match (a
  // `length` answer is passed on unvalidated: it claims nothing).
  AnswerSink relay(const Admission& a, AnswerSink sink) const;

  // The analysis and the Plan policy would follow for `request` from `who`,
  // as /v1/perimeter/analyze prints it; sends nothing. Throws Error.
  nlohmann::json explain(const auth::Principal& who, const ChatRequest& request) const;

  // Counts the answer's tokens and cost against the principal's budgets and
  // the token metrics; returns the cost. Cheap: call it before the answer's
  // last byte reaches the client, so the client's next request sees it.
  double charge(const Admission& a, const Usage& usage);

  // Queues the outcome record (with `cost` from charge()) for the audit log's
  // background commit and counts the request in the metrics; never blocks
  // for long. Never throws: a failed outcome write is logged (and counted by
  // the audit metrics).
  void finish(const Admission& a, const Completion& done, int status, double cost,
              std::string_view completion_text);

  // Counts a chat request refused before admission (metrics only).
  void count_refusal(int status);

  // True when the audit log keeps prompt and completion text (`audit.store_text`).
  bool stores_text() const;

  // True when admit() never waits on a model or a disk flush: the linear
  // router, and no audit log or one on SQLite with `sync: normal` (its commit
  // writes the WAL without fsync). The server then admits on the
  // connection's own thread, saving two thread hand-offs per request.
  bool admits_quickly() const;

  // Every metric in the Prometheus text format (GET /metrics).
  std::string metrics_text() const { return registry_.render(); }

  // The audit log, or null when the config has no `audit:` section.
  audit::AuditLog* audit_log() { return audit_.get(); }

  // Writes the audit log's closing checkpoint; later admissions fail. Idempotent.
  void close();

  // Loads every configured model (hash-checked); reports progress per model.
  // Throws std::runtime_error naming the model that failed.
  void load_models(const std::function<void(const std::string& id, float progress)>& on_progress);

  // HTTP upstreams that load_models() creates afterwards run on `io` (the
  // server's I/O threads) instead of a thread each: a request then reaches
  // its upstream, and the answer its client, without a thread hand-off.
  // Those created before keep their own thread. Whoever runs `io` must stop
  // before this gateway is destroyed. Throws std::logic_error if called
  // twice: one server per gateway.
  void run_backends_on(std::shared_ptr<boost::asio::io_context> io);

  // Ends every answer still in flight and releases the models: an embedded
  // model's answers end cancelled, with their on_done (so each gets its
  // outcome record); calls to an upstream on the server's stopped context
  // just close. Call once the server has stopped and before it is destroyed,
  // so that those callbacks still find it.
  void stop_backends();

  // True once every model is loaded.
  bool ready() const { return ready_.load(); }

  // The backend serving `model` ("auto" or "" = the default model). Throws
  // Error 404 model_not_found, or 503 while models are still loading.
  backends::Backend& backend_for(const std::string& model);

  // The model id a response reports for a request naming `model`.
  std::string resolve_name(const std::string& model) const;

  // Facts about every configured model, loaded or not.
  std::vector<backends::BackendInfo> models() const;

  const config::Config& config() const { return config_; }

 private:
  // Analysis of every text of `request` that reaches a backend (messages,
  // response_format, stop strings); what admit() and explain() act on.
  analyze::Analysis analyze_request(const ChatRequest& request) const;

  // Points `a` at plan candidate `index`: backend, info and the request as
  // that candidate may receive it.
  void select(Admission& a, size_t index);

  config::Config config_;
  auth::Authenticator auth_;
  analyze::Analyzer analyzer_;
  policy::Policy policy_;
  std::shared_ptr<boost::asio::io_context> shared_io_;  // see run_backends_on()
  std::map<std::string, std::unique_ptr<backends::Backend>> backends_;
  std::map<std::string, std::string>
      fingerprints_;  // fingerprint_key(model, adapter) -> lock::model_fingerprint
  std::atomic<bool> ready_{false};
  std::unique_ptr<audit::AuditLog> audit_;  // null: no `audit:` section
  ledger::BudgetTracker budgets_;
  metrics::Registry registry_;
  metrics::GatewayMetrics metrics_{registry_};
};

}  // namespace perimeter::gateway
