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
#include "config/config.h"

namespace perimeter::backends {

// The JSON body sent upstream for `request`. Built field by field from the
// parsed request (an allowlist), so nothing that identifies the caller —
// `user`, `metadata`, client headers — can pass through, and no conversation
// state is kept. The openai flavour gets `store: false`. Streams ask for the
// usage chunk (`stream_options.include_usage`). Sampling knobs the flavour
// does not know are left out; a `logit_bias` or grammar it cannot carry is a
// 400. Structured output (`response_format` and each engine's dialect) plugs
// in at `apply_structured_output` in the .cpp (issue #7).
nlohmann::json upstream_body(const config::Model& model, const ChatRequest& request);

// What HttpBackend::stats() reports.
struct UpstreamStats {
  struct Url {
    std::string url;
    int inflight = 0;              // requests on it now
    int consecutive_failures = 0;  // reset by any answer from it
    bool ejected = false;          // out of rotation until its cool-down ends
  };
  int inflight = 0;  // requests started and not yet done
  int max_inflight = 0;
  std::vector<Url> urls;
};

class HttpBackend final : public Backend {
 public:
  // Reads the API key from the environment variable `upstream.api_key_env`
  // (throws std::runtime_error naming the variable, never its value, if it is
  // unset or empty), prepares TLS and starts one I/O thread. Connects lazily.
  explicit HttpBackend(const config::Model& model);

  // Cancels every answer in flight (each gets its on_done) and stops.
  ~HttpBackend() override;

  // Throws Error 400 for what the flavour cannot carry, 503 `overloaded` at
  // `max_inflight`. Otherwise the answer arrives through `sink` from the I/O
  // thread; failures end it with on_done carrying an Error: 502
  // `upstream_error`, 503 `upstream_saturated` (429/503 after the retries),
  // 504 `upstream_timeout`. Cancelling closes the upstream connection.
  std::function<void()> start(const ChatRequest& request, AnswerSink sink) override;

  // sha256 holds the upstream model name (a cloud's dated snapshot is its pin).
  BackendInfo info() const override;

  UpstreamStats stats() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace perimeter::backends
