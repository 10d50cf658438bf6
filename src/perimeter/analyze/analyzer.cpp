#include "analyze/analyzer.h"

#include <chrono>

namespace perimeter::analyze {

Analyzer::Analyzer(const config::Config& config) : detector_(detect::Detector::create(config.detect)) {
  const auto& r = config.router;
  if (r.kind != router::RouterOptions::Kind::Linear)
    throw std::runtime_error("router.kind: llm is not available yet; use kind: linear");
  const bool builtin = r.model == "builtin";
  const std::filesystem::path file =
      builtin ? std::filesystem::path(PERIMETER_DATA_ROOT) / router::kBuiltinModelPath : config.resolve(r.model);
  router_ = router::load_linear_classifier(file, builtin ? std::string(router::kBuiltinModelSha256) : r.sha256,
                                           r.min_confidence);
}

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
  a.micros = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count();
  return a;
}

nlohmann::json Analyzer::to_json(const Analysis& a) const {
  nlohmann::json j = detect::to_json(a.findings, a.detected);
  nlohmann::json scores = nlohmann::json::object();
  for (size_t i = 0; i < router::kIntentCount; ++i)
    scores[router::intent_name(static_cast<router::Intent>(i))] = a.intent.scores[i];
  j["intent"] = {{"label", router::intent_name(a.intent.intent)},
                 {"confidence", a.intent.confidence},
                 {"uncertain", a.intent.uncertain},
                 {"scores", scores}};
  j["failed_closed"] = a.failed_closed;
  if (a.failed_closed) j["failure"] = a.failure;
  j["analysis_us"] = a.micros;
  return j;
}

}  // namespace perimeter::analyze
