#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include "audit/record.h"
#include "backends/embedded.h"
#include "backends/http_upstream.h"

namespace perimeter::gateway {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

audit::SamplingRecord sampling_record(const engine::Sampling& s) {
  audit::SamplingRecord r;
  r.temperature = s.temperature;
  r.top_p = s.top_p;
  r.min_p = s.min_p;
  r.top_k = s.top_k;
  r.seed = s.seed;
  r.max_tokens = s.max_tokens;
  return r;
}

// The audit log named by the config, or null (with a loud warning) without one.
std::unique_ptr<audit::AuditLog> open_audit(const config::Config& c) {
  if (!c.audit) {
    spdlog::warn(
        "AUDIT LOG DISABLED: the config has no `audit:` section, so decisions are not recorded. "
        "Add one (docs/audit.md) before serving real traffic.");
    return nullptr;
  }
  try {
    return audit::AuditLog::open(*c.audit);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("audit: ") + e.what());
  }
}

// The conversation as JSON, for `audit.store_text: true` (kept outside the chain).
std::string prompt_text(const ChatRequest& r) {
  nlohmann::json messages = nlohmann::json::array();
  for (const auto& m : r.messages) messages.push_back({{"role", m.role}, {"content", m.content}});
  return messages.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Gateway::Gateway(config::Config config)
    : config_(std::move(config)),
      auth_(config_.auth),
      analyzer_(config_,
                [this](const std::string& id) -> backends::Backend* {
                  if (!ready_.load()) return nullptr;  // the LLM router waits for load_models()
                  auto it = backends_.find(id);
                  return it == backends_.end() ? nullptr : it->second.get();
                }),
      audit_(open_audit(config_)),
      budgets_(config_.ledger.budgets, config_.ledger.currency) {
  if (!auth_.enabled())
    spdlog::warn(
        "AUTH DISABLED: no `auth.keys` configured, so this is single-user local mode: every "
        "request is principal 'local' with no role. Configure keys before exposing the port.");
  if (audit_) {
    budgets_.load(audit_->store(), audit::now_ms());
    audit::AuditLog* log = audit_.get();
    metrics_.audit_records.with().bind([log] { return double(log->stats().records); });
    metrics_.audit_commits.with().bind([log] { return double(log->stats().commits); });
    metrics_.audit_failures.with().bind([log] { return double(log->stats().failures); });
    metrics_.audit_pending.with().bind([log] { return double(log->pending()); });
  }
}

Admission Gateway::admit(std::string request_id, const auth::Principal& who, ChatRequest request,
                         Clock::time_point started) {
  Admission a;
  a.request_id = std::move(request_id);
  a.principal = who.id;
  a.role = who.role_name();
  a.started = started;
  a.route = request.model.empty() || request.model == "auto" ? std::string("default")
                                                             : "model:" + request.model;
  a.backend = &backend_for(request.model);
  a.info = a.backend->info();
  auth_.check_model(who, a.info.id);

  a.analysis = analyzer_.analyze(request.messages);
  metrics_.observe_stage("analyze", a.analysis.micros / 1e6);
  // Declarations and the role's floor can raise the level, never lower it.
  a.effective = a.analysis.detected;
  if (!request.declared_sensitivity.empty())
    a.effective = std::max(a.effective, detect::parse_sensitivity(request.declared_sensitivity));
  if (who.role && who.role->sensitivity_floor)
    a.effective = std::max(a.effective, *who.role->sensitivity_floor);
  for (const auto& f : a.analysis.findings) metrics_.findings.with({f.type}).inc();

  const auto decide_start = Clock::now();
  if (auto over = budgets_.check(a.principal, audit::now_ms())) {
    metrics_.budget_rejections.with({over->key, over->budget}).inc();
    throw ledger::budget_error(*over);
  }
  // Pin the seed now so that the record names the one the backend will use.
  const engine::Sampling sampling =
      backends::resolve_sampling(config_.models.at(a.info.id).sampling, request.sampling);
  request.sampling.seed = sampling.seed;
  a.request = std::move(request);
  metrics_.observe_stage("decide", seconds_since(decide_start));

  if (audit_) {
    audit::Decision d;
    d.request_id = a.request_id;
    d.principal = a.principal;
    d.role = a.role;
    d.declared_sensitivity =
        a.request.declared_sensitivity.empty() ? "none" : a.request.declared_sensitivity;
    d.effective_sensitivity = detect::sensitivity_name(a.effective);
    d.intent = router::intent_name(a.analysis.intent.intent);
    d.intent_confidence = a.analysis.intent.confidence;
    for (const auto& f : a.analysis.findings) ++d.findings[f.type];
    d.route = a.route;
    d.backend = a.info.id;
    d.egress = a.info.egress;
    d.transform = "none";
    d.model = {a.info.id, a.info.sha256, ""};
    d.sampling = sampling_record(sampling);
    const auto audit_start = Clock::now();
    try {
      a.decision_seq = audit_->append_decision(d, stores_text() ? prompt_text(a.request) : "").seq;
    } catch (const std::exception& e) {
      spdlog::error("audit: decision record for {} not durable: {}", a.request_id, e.what());
      throw Error(503, "server_error",
                  "The audit log could not record this request, so it was not sent. The operator "
                  "must check the audit store (perimeter audit verify).",
                  "", "audit_unavailable");
    }
    metrics_.observe_stage("audit", seconds_since(audit_start));
  }
  return a;
}

void Gateway::load_models(const std::function<void(const std::string&, float)>& on_progress) {
  for (const auto& [id, model] : config_.models) {
    auto progress = [&on_progress, id = id](float p) {
      if (on_progress) on_progress(id, p);
    };
    if (model.engine == "http") {
      auto backend = std::make_unique<backends::HttpBackend>(model);
      const backends::HttpBackend* h = backend.get();
      metrics_.slots.with({id}).bind([h] { return double(h->stats().max_inflight); });
      metrics_.slots_in_use.with({id}).bind([h] { return double(h->stats().inflight); });
      backends_[id] = std::move(backend);
      progress(1.0f);
      continue;
    }
    auto backend = std::make_unique<backends::EmbeddedBackend>(model, progress);
    const backends::EmbeddedBackend* b = backend.get();
    metrics_.slots.with({id}).bind([b] { return double(b->stats().slots); });
    metrics_.slots_in_use.with({id}).bind([b] { return double(b->stats().busy); });
    metrics_.queue_depth.with({id}).bind([b] { return double(b->stats().queued); });
    backends_[id] = std::move(backend);
  }
  ready_.store(true);
}

std::string Gateway::resolve_name(const std::string& model) const {
  return model.empty() || model == "auto" ? config_.default_model : model;
}

backends::Backend& Gateway::backend_for(const std::string& model) {
  const std::string id = resolve_name(model);
  if (!config_.models.count(id))
    throw Error(404, "invalid_request_error",
                "The model '" + model +
                    "' does not exist. GET /v1/models lists the models this gateway serves.",
                "model", "model_not_found");
  if (!ready_.load())
    throw Error(503, "server_error",
                "The models are still loading; retry shortly (GET /readyz reports readiness).", "",
                "not_ready");
  return *backends_.at(id);
}

std::vector<backends::BackendInfo> Gateway::models() const {
  std::vector<backends::BackendInfo> out;
  for (const auto& [id, m] : config_.models)
    out.push_back({id, m.engine, m.engine == "http" ? m.upstream.model : m.sha256, m.egress});
  return out;
}

}  // namespace perimeter::gateway

namespace perimeter::gateway {

double Gateway::charge(const Admission& a, const Usage& usage) {
  const double cost =
      config_.ledger.prices.cost(a.info.id, usage.prompt_tokens, usage.completion_tokens);
  budgets_.record(a.principal, int64_t{usage.prompt_tokens} + usage.completion_tokens, cost,
                  audit::now_ms());
  metrics_.tokens.with({a.info.id, "prompt"}).inc(usage.prompt_tokens);
  metrics_.tokens.with({a.info.id, "completion"}).inc(usage.completion_tokens);
  metrics_.cost.with({a.info.id}).inc(cost);
  return cost;
}

void Gateway::finish(const Admission& a, const Completion& done, int status, double cost,
                     std::string_view completion_text) {
  try {
    const auto now = Clock::now();
    metrics_.requests.with({a.route, a.info.id, std::to_string(status)}).inc();
    if (a.dispatched != Clock::time_point{})
      metrics_.observe_stage("upstream", std::chrono::duration<double>(now - a.dispatched).count());
    metrics_.observe_stage("total", std::chrono::duration<double>(now - a.started).count());

    if (!audit_) return;
    audit::Outcome o;
    o.request_id = a.request_id;
    o.principal = a.principal;
    o.role = a.role;
    o.route = a.route;
    o.backend = a.info.id;
    o.egress = a.info.egress;
    o.model = {a.info.id, a.info.sha256, ""};
    o.prompt_tokens = done.usage.prompt_tokens;
    o.completion_tokens = done.usage.completion_tokens;
    o.cost = cost;
    o.latency_ms = std::chrono::duration<double, std::milli>(now - a.started).count();
    o.status = status;
    o.finish_reason = done.error ? "error" : finish_reason_name(done.finish);
    if (done.error) o.error_code = done.error->code.empty() ? done.error->type : done.error->code;
    audit_->append_outcome(o, stores_text() ? completion_text : std::string_view{});
  } catch (const std::exception& e) {
    spdlog::error("audit: outcome record for {} not written: {}", a.request_id, e.what());
  }
}

void Gateway::count_refusal(int status) {
  metrics_.requests.with({"none", "none", std::to_string(status)}).inc();
}

bool Gateway::stores_text() const {
  return config_.audit && config_.audit->store_text;
}

void Gateway::close() {
  if (!audit_) return;
  try {
    audit_->close();
  } catch (const std::exception& e) {
    spdlog::error("audit: closing checkpoint failed: {}", e.what());
  }
}

}  // namespace perimeter::gateway
