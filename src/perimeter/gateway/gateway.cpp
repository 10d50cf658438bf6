#include "gateway/gateway.h"

#include <spdlog/spdlog.h>

#include "audit/record.h"
#include "backends/embedded.h"
#include "backends/http_upstream.h"
#include "grammar/grammar.h"
#include "lock/lock.h"

namespace perimeter::gateway {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// Every text of `r` that reaches a backend, in the order analysis indexes
// findings: the messages, then the response_format (if any), then each stop string.
std::vector<std::string_view> traveling_texts(const ChatRequest& r) {
  std::vector<std::string_view> out;
  for (const auto& m : r.messages) out.emplace_back(m.content);
  if (!r.response_format.empty()) out.emplace_back(r.response_format);
  for (const auto& stop : r.sampling.stop) out.emplace_back(stop);
  return out;
}

// Sampling as the decision record states it: the values `model` decodes
// with — the resolved ones for the embedded engine, the fields actually sent
// for an HTTP upstream (what is left out there, the upstream decides).
audit::SamplingRecord sampling_record(const config::Model& model, const ChatRequest& sent,
                                      const engine::Sampling& resolved) {
  audit::SamplingRecord r;
  if (model.engine != "http") {
    r.temperature = resolved.temperature;
    r.top_p = resolved.top_p;
    r.min_p = resolved.min_p;
    r.top_k = resolved.top_k;
    r.seed = resolved.seed;
    r.max_tokens = resolved.max_tokens;
    return r;
  }
  const nlohmann::json body = backends::upstream_body(model, sent);
  auto number = [&](const char* key) -> std::optional<double> {
    if (!body.contains(key)) return std::nullopt;
    return body[key].get<double>();
  };
  r.temperature = number("temperature");
  r.top_p = number("top_p");
  r.min_p = number("min_p");
  if (body.contains("top_k")) r.top_k = body["top_k"].get<int>();
  if (body.contains("seed")) r.seed = body["seed"].get<uint64_t>();
  for (const char* key : {"max_tokens", "max_completion_tokens"})
    if (body.contains(key)) r.max_tokens = body[key].get<int>();
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

// Declarations and the role's floor can raise the level, never lower it.
detect::Sensitivity effective_level(detect::Sensitivity detected, const ChatRequest& request,
                                    const auth::Principal& who) {
  detect::Sensitivity level = detected;
  if (!request.declared_sensitivity.empty())
    level = std::max(level, detect::parse_sensitivity(request.declared_sensitivity));
  if (who.role && who.role->sensitivity_floor)
    level = std::max(level, *who.role->sensitivity_floor);
  return level;
}

// The audit record's name for what answers `a`: model, pin, adapter.
audit::ModelRef model_ref(const config::Config& c, const Admission& a) {
  audit::ModelRef r{a.info.id, a.info.sha256, "", a.request.adapter, ""};
  for (const auto& ad : c.models.at(a.info.id).adapters)
    if (ad.name == r.adapter) r.adapter_sha256 = ad.sha256;
  return r;
}

// The route's structured-output rules: `structured: required`, and whether
// a schema the compiler cannot enforce is served (validated afterwards) or
// refused. Throws Error 400.
void check_structured(const policy::Policy& policy, const policy::Plan& plan,
                      const ChatRequest& r) {
  const policy::Route* route = policy.route(plan.route);
  if (route && route->structured_required && r.response_schema.empty())
    throw Error(400, "invalid_request_error",
                "Route '" + plan.route +
                    "' requires structured output: send response_format {\"type\": "
                    "\"json_schema\", ...} or {\"type\": \"json_object\"}.",
                "response_format", "structured_output_required");
  if (r.schema_refusal && !(route && route->validate_unenforced)) {
    const Error& e = *r.schema_refusal;
    throw Error(e.status, e.type,
                std::string(e.what()) + " Route '" + plan.route +
                    "' refuses schemas it cannot enforce; a route with `unenforced_schema: "
                    "validate` would serve it, checking the answer only after generation.",
                e.param, e.code);
  }
}

// Key of fingerprints_: a model decoding with an adapter ("" = none).
std::string fingerprint_key(const std::string& model, const std::string& adapter) {
  return model + '\n' + adapter;
}

// What a failure before any byte reached the client counts as, in the
// vocabulary of a route's `fallback_when`.
std::string failure_kind(const Error& e) {
  if (e.code == "upstream_saturated" || e.code == "overloaded") return "saturated";
  if (e.code == "upstream_timeout") return "timeout";
  return "error";
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
      policy_(config_.policy, config::model_facts(config_.models), config_.default_model),
      audit_(open_audit(config_)),
      budgets_(config_.ledger.budgets, config_.ledger.currency) {
  if (!auth_.enabled())
    spdlog::warn(
        "AUTH DISABLED: no `auth.keys` configured, so this is single-user local mode: every "
        "request is principal 'local' with no role. Configure keys before exposing the port.");
  for (const auto& [id, m] : config_.models) {
    fingerprints_[fingerprint_key(id, "")] = lock::model_fingerprint(m);
    for (const auto& ad : m.adapters)
      fingerprints_[fingerprint_key(id, ad.name)] = lock::model_fingerprint(m, ad.name);
  }
  if (audit_) {
    budgets_.load(audit_->store(), audit::now_ms());
    audit::AuditLog* log = audit_.get();
    metrics_.audit_records.with().bind([log] { return double(log->stats().records); });
    metrics_.audit_commits.with().bind([log] { return double(log->stats().commits); });
    metrics_.audit_failures.with().bind([log] { return double(log->stats().failures); });
    metrics_.audit_lost.with().bind([log] { return double(log->stats().lost); });
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
  if (!ready_.load())
    throw Error(503, "server_error",
                "The models are still loading; retry shortly (GET /readyz reports readiness).", "",
                "not_ready");

  a.analysis = analyze_request(request);
  metrics_.observe_stage("analyze", a.analysis.micros / 1e6);
  a.effective = effective_level(a.analysis.detected, request, who);
  for (const auto& f : a.analysis.findings) metrics_.findings.with({f.type}).inc();

  const auto decide_start = Clock::now();
  a.plan = policy_.decide({a.analysis.intent, a.effective, &a.analysis.findings, request.model,
                           who.role, request.adapter});
  a.route = a.plan.route;
  check_structured(policy_, a.plan, request);
  if (auto over = budgets_.check(a.principal, audit::now_ms())) {
    metrics_.budget_rejections.with({over->key, over->budget}).inc();
    throw ledger::budget_error(*over);
  }
  // Pin the seed now so that the record names the one the backend will use.
  const engine::Sampling sampling = backends::resolve_sampling(
      config_.models.at(a.plan.candidates.front().model).sampling, request.sampling);
  request.sampling.seed = sampling.seed;
  a.original = std::move(request);
  select(a, 0);
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
    d.transform = policy::transform_name(a.plan.candidates[a.candidate].transform);
    d.model = model_ref(config_, a);
    d.sampling = sampling_record(config_.models.at(a.info.id), a.request, sampling);
    const auto audit_start = Clock::now();
    // A request to an `egress: local` target needs no durable record before
    // it is sent when the config says so (audit.durable_before: egress).
    const bool wait =
        config_.audit->durable_before == audit::DurableBefore::Dispatch || a.info.egress != "local";
    const std::string text = stores_text() ? prompt_text(a.request) : "";
    try {
      a.decision_seq =
          (wait ? audit_->append_decision(d, text) : audit_->enqueue_decision(d, text)).seq;
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

void Gateway::select(Admission& a, size_t index) {
  const policy::Candidate& c = a.plan.candidates.at(index);
  a.candidate = index;
  a.backend = &backend_for(c.model);
  a.info = a.backend->info();
  a.fingerprint = fingerprints_.at(fingerprint_key(c.model, c.adapter));
  a.request = a.original;
  a.request.model = c.model;
  a.request.adapter = c.adapter;
  a.placeholders.clear();
  if (!c.cloud || c.transform == policy::Transform::None) return;
  redact::RedactOptions options;
  options.mode =
      c.transform == policy::Transform::Mask ? redact::Mode::Mask : redact::Mode::Pseudonymize;
  redact::Pseudonymizer pseudonymizer(options);
  const std::vector<std::string_view> texts = traveling_texts(a.original);
  std::vector<std::string> sent = pseudonymizer.apply(texts, a.analysis.findings);
  size_t i = 0;
  for (auto& m : a.request.messages) m.content = std::move(sent[i++]);
  if (!a.original.response_format.empty()) {
    if (sent[i] != a.original.response_format) {
      // Placeholders hold no quote or backslash, so a value replaced inside
      // a JSON string leaves valid JSON; anything else is refused, not sent.
      const auto rf = nlohmann::json::parse(sent[i], nullptr, false);
      if (rf.is_discarded())
        throw Error(400, "invalid_request_error",
                    "response_format carries sensitive data that could not be replaced before "
                    "sending it to '" +
                        c.model + "'; remove it from the schema or use a local model.",
                    "response_format", "egress_blocked");
      a.request.response_format = sent[i];
      a.request.response_schema = rf["type"] == "json_schema" ? rf["json_schema"]["schema"].dump()
                                                              : a.original.response_schema;
    }
    ++i;
  }
  for (auto& stop : a.request.sampling.stop) stop = std::move(sent[i++]);
  if (options.mode == redact::Mode::Pseudonymize) a.placeholders = pseudonymizer.mapping();
}

bool Gateway::fall_back(Admission& a, const Error& failure) {
  // Only failures of the upstream itself move on: a request it found invalid
  // would be invalid anywhere.
  if (failure.status < 500 && failure.status != 429) return false;
  const std::string kind = failure_kind(failure);
  size_t next = a.candidate + 1;
  while (next < a.plan.candidates.size() && a.plan.candidates[next].fallback &&
         !a.plan.candidates[next].when.count(kind))
    ++next;
  if (next >= a.plan.candidates.size()) return false;
  const std::string from = a.info.id;
  Admission moved = a;
  select(moved, next);
  if (audit_) {
    audit::Fallback f;
    f.request_id = moved.request_id;
    f.principal = moved.principal;
    f.route = moved.route;
    f.from_backend = from;
    f.to_backend = moved.info.id;
    f.egress = moved.info.egress;
    f.reason = kind;
    std::set<std::string> categories;
    for (const auto& finding : moved.analysis.findings)
      categories.insert(detect::category_name(finding.category));
    f.categories.assign(categories.begin(), categories.end());
    f.transform = policy::transform_name(moved.plan.candidates[next].transform);
    f.model = model_ref(config_, moved);
    try {
      audit_->append_fallback(f);
    } catch (const std::exception& e) {
      spdlog::error("audit: fallback record for {} not durable: {}", a.request_id, e.what());
      throw Error(503, "server_error",
                  "'" + from +
                      "' could not take the request and the audit log could not record "
                      "the fallback to '" +
                      moved.info.id + "', so nothing was sent there.",
                  "", "audit_unavailable");
    }
  }
  metrics_.fallbacks.with({moved.route, from, moved.info.id}).inc();
  spdlog::warn("{}: {} failed ({}: {}); falling back to {} ({}, transform {})", a.request_id, from,
               kind, failure.what(), moved.info.id, moved.info.egress,
               policy::transform_name(moved.plan.candidates[next].transform));
  a = std::move(moved);
  return true;
}

analyze::Analysis Gateway::analyze_request(const ChatRequest& request) const {
  if (request.response_format.empty() && request.sampling.stop.empty())
    return analyzer_.analyze(request.messages);
  // The schema's descriptions, enums and defaults and the stop strings
  // travel with the request too: scan them as more texts (indices from
  // messages.size(), as traveling_texts() orders them). The router reads
  // the last user turn, so they do not change the intent.
  std::vector<Message> texts = request.messages;
  const auto all = traveling_texts(request);
  for (size_t i = request.messages.size(); i < all.size(); ++i)
    texts.push_back({"request_field", std::string(all[i])});
  return analyzer_.analyze(texts);
}

Error Gateway::final_error(const Admission& a, const Error& failure) const {
  if (a.plan.blocked.empty() || failure.status < 500) return failure;
  std::set<std::string> why = a.plan.blocked;
  for (const auto& f : a.analysis.findings) why.insert(detect::category_name(f.category));
  std::string kept;
  for (const auto& b : why) kept += (kept.empty() ? "" : ", ") + b;
  return Error(failure.status, failure.type,
               std::string(failure.what()) +
                   " No cloud fallback: policy keeps this request on the host (" + kept + ").",
               failure.param, failure.code);
}

namespace {

// `sink` with the whole answer checked against `schema` when it ends with stop.
AnswerSink validating(const std::string& schema_text, AnswerSink sink) {
  auto schema = std::make_shared<const nlohmann::json>(nlohmann::json::parse(schema_text));
  auto text = std::make_shared<std::string>();
  return {[text, on_delta = sink.on_delta](std::string_view delta) {
            text->append(delta);
            on_delta(delta);
          },
          [text, schema, on_done = sink.on_done](const Completion& c) {
            if (c.error || c.finish != FinishReason::Stop) return on_done(c);
            const grammar::Validation v = grammar::validate(*schema, *text);
            if (v.ok) return on_done(c);
            // Not v.error: it may quote the answer, i.e. the client's data.
            spdlog::error("structured output failed schema validation");
            Completion invalid = c;
            invalid.error =
                Error(502, "server_error",
                      "The model's answer does not match the response_format schema (" + v.error +
                          "), although it was generated under it; the answer is not "
                          "valid. Report this with the request id.",
                      "", "invalid_structured_output");
            on_done(invalid);
          }};
}

// `sink` with the answer's placeholders put back (stream-safe).
AnswerSink reidentifying(const std::map<std::string, std::string>& placeholders, AnswerSink sink) {
  auto restore = std::make_shared<redact::Reidentifier>(placeholders);
  return {[restore, on_delta = sink.on_delta](std::string_view delta) {
            const std::string out = restore->feed(delta);
            if (!out.empty()) on_delta(out);
          },
          [restore, on_delta = sink.on_delta, on_done = sink.on_done](const Completion& c) {
            const std::string rest = restore->finish();
            if (!rest.empty()) on_delta(rest);
            on_done(c);
          }};
}

}  // namespace

AnswerSink Gateway::relay(const Admission& a, AnswerSink sink) const {
  if (!a.original.response_schema.empty())
    sink = validating(a.original.response_schema, std::move(sink));
  if (!a.placeholders.empty()) {
    // In a JSON answer a placeholder stands inside a string: put the
    // original back JSON-escaped, or a quote in it would break the JSON.
    std::map<std::string, std::string> restore = a.placeholders;
    if (!a.original.response_format.empty())
      for (auto& [placeholder, value] : restore) {
        const std::string quoted =
            nlohmann::json(value).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        value = quoted.substr(1, quoted.size() - 2);
      }
    sink = reidentifying(restore, std::move(sink));
  }
  return sink;
}

nlohmann::json Gateway::explain(const auth::Principal& who, const ChatRequest& request) const {
  const analyze::Analysis analysis = analyze_request(request);
  nlohmann::json out = analyzer_.to_json(analysis);
  const detect::Sensitivity effective = effective_level(analysis.detected, request, who);
  out["effective_sensitivity"] = detect::sensitivity_name(effective);
  out["plan"] = policy::plan_json(
      policy_.decide({analysis.intent, effective, &analysis.findings, request.model, who.role, {}}));
  return out;
}

void Gateway::run_backends_on(std::shared_ptr<boost::asio::io_context> io) {
  if (shared_io_) throw std::logic_error("a gateway serves one http::Server");
  shared_io_ = std::move(io);
}

void Gateway::stop_backends() {
  ready_ = false;
  backends_.clear();
}

void Gateway::load_models(const std::function<void(const std::string&, float)>& on_progress) {
  for (const auto& [id, model] : config_.models) {
    auto progress = [&on_progress, id = id](float p) {
      if (on_progress) on_progress(id, p);
    };
    if (model.engine == "http") {
      auto backend = std::make_unique<backends::HttpBackend>(model, shared_io_);
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
  for (const auto& [id, m] : config_.models) {
    out.push_back({id, m.engine, m.engine == "http" ? m.upstream.model : m.sha256, m.egress, {}});
    for (const auto& a : m.adapters) out.back().adapters.push_back(a.name);
  }
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
    o.model = model_ref(config_, a);
    o.prompt_tokens = done.usage.prompt_tokens;
    o.completion_tokens = done.usage.completion_tokens;
    o.cost = cost;
    o.latency_ms = std::chrono::duration<double, std::milli>(now - a.started).count();
    o.status = status;
    o.finish_reason = done.error ? "error" : finish_reason_name(done.finish);
    if (done.error) o.error_code = done.error->code.empty() ? done.error->type : done.error->code;
    audit_->enqueue_outcome(o, stores_text() ? completion_text : std::string_view{});
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

bool Gateway::admits_quickly() const {
  if (config_.router.kind != router::RouterOptions::Kind::Linear) return false;
  if (!config_.audit) return true;
  return config_.audit->sync == audit::SyncMode::Normal &&
         config_.audit->store.rfind("sqlite:", 0) == 0;
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
