// A Backend answers chat requests: the embedded engine today, HTTP upstreams
// (vLLM, llama.cpp server, Ollama, TGI, cloud APIs) behind the same interface.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/chat.h"

namespace perimeter::backends {

struct BackendInfo {
  std::string id;                     // the model id clients use
  std::string engine;                 // "embedded", ...
  std::string sha256;                 // pinned file hash (local) or snapshot name (cloud)
  std::string egress;                 // "local" or "cloud"
  std::vector<std::string> adapters;  // names of its LoRA adapters (embedded)
};

class Backend {
 public:
  virtual ~Backend() = default;

  // Starts answering `request`; the sink is called from any thread, ending
  // with exactly one on_done. Throws Error if the request is refused now
  // (bad sampling values, context too long, saturated). Returns a function
  // that cancels the answer and frees its resources.
  //
  // Failure contract the dispatcher relies on to try the Plan's next
  // candidate:
  //  - saturated (no capacity now: queue full, queue wait expired, upstream
  //    429/503, load probe says busy) = Error 503, code "upstream_saturated",
  //    either thrown from start() or as on_done's error BEFORE any content
  //    delta reached the sink; the request was then not answered upstream;
  //  - timeout = Error 504 "upstream_timeout";
  //  - any other upstream failure = Error 502 "upstream_error".
  // An error after a delta was delivered ends a partial answer: no fallback.
  virtual std::function<void()> start(const ChatRequest& request, AnswerSink sink) = 0;

  // Static facts about the backend.
  virtual BackendInfo info() const = 0;
};

}  // namespace perimeter::backends
