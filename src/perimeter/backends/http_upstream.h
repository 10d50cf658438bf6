// OpenAI-compatible HTTP upstreams (vLLM, llama.cpp server, Ollama, TGI, a
// cloud API) as a Backend: pooled keep-alive connections over HTTP or TLS,
// timeouts, retries before any byte reached the client, streaming relay,
// least-outstanding-requests balancing with passive health checks.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "backends/backend.h"
#include "backends/upstream_body.h"
#include "config/config.h"

namespace boost::asio {
class io_context;
}

namespace perimeter::backends {

// What HttpBackend::stats() reports.
struct UpstreamStats {
  struct Url {
    std::string url;
    int inflight = 0;              // requests on it now
    int consecutive_failures = 0;  // reset by any answer from it
    bool ejected = false;          // out of rotation until its cool-down ends
    bool saturated = false;        // the last load probe said busy (skipped by the balancer)
    int probe_failures = 0;        // consecutive probes that got no usable answer
  };
  int inflight = 0;  // requests sent upstream and not yet done
  int max_inflight = 0;
  int queued = 0;  // requests waiting for one of the max_inflight places
  int queue = 0;   // most that may wait
  int queue_wait_ms = 0;
  bool saturated = false;  // a new request would be refused as upstream_saturated now
  std::vector<Url> urls;
};

class HttpBackend final : public Backend {
 public:
  // Reads the API key from the environment variable `upstream.api_key_env`
  // (throws std::runtime_error naming the variable, never its value, if it is
  // unset or empty), prepares TLS and starts one I/O thread, or with `shared`
  // runs on that context instead (the server's: no thread hand-off per
  // request), whose runner must stop before this is destroyed. Connects
  // lazily; with `saturation.probe` set, probes each url's load every interval.
  explicit HttpBackend(const config::Model& model,
                       std::shared_ptr<boost::asio::io_context> shared = nullptr);

  // Cancels every answer in flight and stops. With its own thread each answer
  // gets its on_done; on a shared context, stopped by now, none does.
  ~HttpBackend() override;

  // Throws Error 400 for what the flavour cannot carry; 503
  // `upstream_saturated` when `max_inflight` are in flight and the queue is
  // full (or `queue_wait_ms` is 0), or every url's load probe says busy.
  // Beyond `max_inflight` a request waits in FIFO order up to `queue_wait_ms`,
  // then ends saturated without having been sent. Otherwise the answer arrives
  // through `sink` from the I/O thread; failures end it with on_done carrying
  // an Error: 502 `upstream_error`, 503 `upstream_saturated` (429/503 after
  // the retries and the other urls), 504 `upstream_timeout`. Cancelling closes
  // the upstream connection, or takes the request out of the queue.
  std::function<void()> start(const ChatRequest& request, AnswerSink sink) override;

  // sha256 holds the upstream model name (a cloud's dated snapshot is its pin).
  BackendInfo info() const override;

  UpstreamStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::backends
