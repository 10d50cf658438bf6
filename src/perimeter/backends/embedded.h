// The embedded llama.cpp engine as a Backend.
#pragma once

#include <memory>

#include "backends/backend.h"
#include "config/config.h"
#include "engine/engine.h"

namespace perimeter::backends {

// Resolves request overrides against the model's configured defaults; draws
// a random seed when neither pins one. Throws Error 400 naming a bad field.
engine::Sampling resolve_sampling(const config::Sampling& defaults, const SamplingOverrides& req);

class EmbeddedBackend final : public Backend {
 public:
  // Loads (hash-checked) the model described by `model`.
  EmbeddedBackend(const config::Model& model, std::function<void(float)> on_progress);

  std::function<void()> start(const ChatRequest& request, AnswerSink sink) override;
  BackendInfo info() const override;

  // Slot use of the underlying engine.
  engine::EngineStats stats() const { return engine_->stats(); }

 private:
  config::Model model_;
  std::unique_ptr<engine::Engine> engine_;
};

}  // namespace perimeter::backends
