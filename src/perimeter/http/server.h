// The HTTP front door (Boost.Beast on Asio coroutines): OpenAI endpoints,
// SSE streaming, health probes. Protocol only: decisions live in Gateway.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.h"
#include "gateway/gateway.h"

namespace perimeter::http {

class Server {
 public:
  // Binds `options.host:port` now (port 0 = any free port); throws
  // std::runtime_error if the address cannot be bound. HTTP upstreams the
  // gateway loads after this run on the server's I/O threads.
  Server(const config::Server& options, gateway::Gateway& gateway);
  ~Server();

  // The bound port (useful with port 0).
  uint16_t port() const;

  // Serves on `options.threads` threads until stop(); blocks.
  void run();

  // Stops accepting and ends run(); safe from any thread or signal handler thread.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::http
