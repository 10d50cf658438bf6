// An in-process gateway + server on an ephemeral loopback port, for
// integration tests (header-only: it links the whole request path).
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "backends/embedded.h"
#include "gateway/gateway.h"
#include "http/server.h"

namespace perimeter::testing {

// A running gateway + server; stopped on destruction.
class Running {
 public:
  explicit Running(config::Config cfg) : gateway_(cfg) {
    // The server first, as `perimeter serve` does: HTTP upstreams share its I/O threads.
    server_ = std::make_unique<http::Server>(cfg.server, gateway_);
    gateway_.load_models(nullptr);
    thread_ = std::thread([this] { server_->run(); });
  }
  ~Running() {
    server_->stop();
    thread_.join();
    gateway_.stop_backends();  // as `perimeter serve` does
  }
  uint16_t port() const { return server_->port(); }
  gateway::Gateway& gateway() { return gateway_; }
  engine::EngineStats stats() {
    return dynamic_cast<backends::EmbeddedBackend&>(gateway_.backend_for("demo")).stats();
  }
  // Waits (bounded) until no slot is busy; true if that happened.
  bool wait_idle() {
    for (int i = 0; i < 600; ++i) {
      auto s = stats();
      if (s.busy == 0 && s.queued == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

 private:
  gateway::Gateway gateway_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
};

}  // namespace perimeter::testing
