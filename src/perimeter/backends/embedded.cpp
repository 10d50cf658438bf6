#include "backends/embedded.h"

#include <random>

namespace perimeter::backends {

engine::Sampling resolve_sampling(const config::Sampling& d, const SamplingOverrides& req) {
  engine::Sampling s;
  s.temperature = req.temperature.value_or(d.temperature);
  s.top_k = req.top_k.value_or(d.top_k);
  s.top_p = req.top_p.value_or(d.top_p);
  s.min_p = req.min_p.value_or(d.min_p);
  s.max_tokens = req.max_tokens.value_or(d.max_tokens);
  if (req.seed) {
    s.seed = *req.seed;
  } else if (d.seed) {
    s.seed = *d.seed;
  } else {
    static thread_local std::mt19937 rng{std::random_device{}()};
    s.seed = static_cast<uint32_t>(rng() % 0xFFFFFFFFu);
  }
  s.stop = req.stop;
  s.logit_bias = req.logit_bias;
  s.grammar = req.grammar;
  if (s.temperature < 0 || s.temperature > 2)
    throw invalid_request("temperature: must be in [0, 2]", "temperature");
  if (!(s.top_p > 0 && s.top_p <= 1)) throw invalid_request("top_p: must be in (0, 1]", "top_p");
  if (s.min_p < 0 || s.min_p > 1) throw invalid_request("min_p: must be in [0, 1]", "min_p");
  if (s.top_k < 0) throw invalid_request("top_k: must be >= 0", "top_k");
  if (s.max_tokens < 1) throw invalid_request("max_tokens: must be >= 1", "max_tokens");
  return s;
}

EmbeddedBackend::EmbeddedBackend(const config::Model& model, std::function<void(float)> on_progress)
    : model_(model) {
  engine::EngineOptions o;
  o.name = model.id;
  o.path = model.path;
  o.sha256 = model.sha256;
  o.slots = model.slots;
  o.threads = model.threads;
  o.context = model.context;
  o.queue = model.queue;
  o.on_progress = std::move(on_progress);
  engine_ = engine::Engine::load(o);
}

std::function<void()> EmbeddedBackend::start(const ChatRequest& request, AnswerSink sink) {
  auto ticket = engine_->submit(
      request.messages, resolve_sampling(model_.sampling, request.sampling), std::move(sink));
  return [ticket] { ticket->cancel(); };
}

BackendInfo EmbeddedBackend::info() const {
  return {model_.id, "embedded", model_.sha256, "local"};
}

}  // namespace perimeter::backends
