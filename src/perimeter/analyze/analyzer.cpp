#include "analyze/analyzer.h"

#include <chrono>

namespace perimeter::analyze {

std::unique_ptr<router::Classifier> load_router(const router::RouterOptions& r,
                                                const std::filesystem::path& base_dir) {
  if (r.kind != router::RouterOptions::Kind::Linear)
    throw std::runtime_error("router.kind: llm asks embedded model '" + r.model +
                             "', which only a gateway with its models loaded can do");
  const bool builtin = r.model == "builtin";
  std::filesystem::path file =
      builtin ? std::filesystem::path(PERIMETER_DATA_ROOT) / router::kBuiltinModelPath
              : std::filesystem::path(r.model);
  if (file.is_relative()) file = base_dir / file;
  return router::load_linear_classifier(
      file, builtin ? std::string(router::kBuiltinModelSha256) : r.sha256, r.min_confidence);
}

void check_router_model(const config::Config& config) {
  const auto& r = config.router;
  if (r.kind != router::RouterOptions::Kind::Llm) return;
  auto it = config.models.find(r.model);
  if (it != config.models.end() && it->second.engine == "embedded") return;
  std::string embedded;
  for (const auto& [id, m] : config.models)
    if (m.engine == "embedded") embedded += (embedded.empty() ? "" : ", ") + id;
  throw std::runtime_error("router.model: '" + r.model +
                           "' is not a configured embedded model (kind llm asks a local model; "
                           "embedded models: " +
                           (embedded.empty() ? std::string("none") : embedded) + ")");
}

std::unique_ptr<router::Classifier> load_router(const config::Config& config,
                                                LocalModel local_model) {
  const auto& r = config.router;
  if (r.kind == router::RouterOptions::Kind::Linear) return load_router(r, config.base_dir);
  check_router_model(config);
  if (!local_model)
    throw std::runtime_error("router.kind: llm needs the embedded model '" + r.model +
                             "' loaded (run `perimeter serve`)");
  LlmRouterOptions o;
  o.model = r.model;
  o.context = config.models.at(r.model).context;
  o.timeout = std::chrono::milliseconds(r.timeout_ms);
  return std::make_unique<LlmClassifier>(o, std::move(local_model));
}

nlohmann::json intent_json(const router::Classification& c) {
  nlohmann::json scores = nlohmann::json::object();
  for (size_t i = 0; i < router::kIntentCount; ++i)
    scores[router::intent_name(static_cast<router::Intent>(i))] = c.scores[i];
  return {{"label", router::intent_name(c.intent)},
          {"confidence", c.confidence},
          {"uncertain", c.uncertain},
          {"scores", scores}};
}

Analyzer::Analyzer(const config::Config& config, LocalModel local_model)
    : detector_(detect::Detector::create(config.detect)),
      router_(load_router(config, std::move(local_model))) {}

Analysis Analyzer::analyze(const std::vector<Message>& messages) const noexcept {
  const auto t0 = std::chrono::steady_clock::now();
  Analysis a;
  try {
    std::vector<std::string_view> texts;
    std::vector<router::Turn> turns;
    texts.reserve(messages.size());
    turns.reserve(messages.size());
    for (const auto& m : messages) {
      texts.emplace_back(m.content);
      turns.push_back({m.role, m.content});
    }
    a.findings = detector_->scan(texts);
    a.detected = detect::sensitivity_of(a.findings, detector_->options());
    a.intent = router_->classify(turns);
  } catch (const std::exception& e) {
    a = Analysis{};
    a.failed_closed = true;
    a.failure = e.what();
  } catch (...) {
    a = Analysis{};
    a.failed_closed = true;
    a.failure = "unknown error";
  }
  a.micros =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

nlohmann::json Analyzer::to_json(const Analysis& a) const {
  nlohmann::json j = detect::to_json(a.findings, a.detected);
  j["intent"] = intent_json(a.intent);
  j["failed_closed"] = a.failed_closed;
  if (a.failed_closed) j["failure"] = a.failure;
  j["analysis_us"] = a.micros;
  return j;
}

}  // namespace perimeter::analyze
