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
  // Loads (hash-checked) the model described by `model`; starts the thread
  // that times queue waits.
  EmbeddedBackend(const config::Model& model, std::function<void(float)> on_progress);
  ~EmbeddedBackend() override;

  // Throws Error 503 `upstream_saturated` when every slot is busy and the
  // queue is full. A queued request that has produced no token after
  // `queue_wait_ms` while others still wait for a slot ends with that error
  // (it is cancelled in the engine; nothing of it reached the sink).
  std::function<void()> start(const ChatRequest& request, AnswerSink sink) override;
  BackendInfo info() const override;

  // Slot use of the underlying engine.
  engine::EngineStats stats() const { return engine_->stats(); }

 private:
  struct Waits;
  void watch();  // the deadline thread: ends queued requests that waited too long
  config::Model model_;
  std::unique_ptr<engine::Engine> engine_;
  std::unique_ptr<Waits> waits_;
};

}  // namespace perimeter::backends
