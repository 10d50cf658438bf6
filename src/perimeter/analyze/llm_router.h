// The LLM router (`router: {kind: llm, model: <embedded model id>}`): asks a
// local embedded model for the intent label, with a grammar that lets it
// answer exactly one of the three labels. Same router::Classifier interface as
// the linear router; slower (a prompt decode plus a few tokens), and as good
// as the model behind it.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "backends/backend.h"
#include "router/router.h"

namespace perimeter::analyze {

// The backend of a local model by id, or nullptr while it is not loaded yet.
// Called on every classification, from any thread.
using LocalModel = std::function<backends::Backend*(const std::string& id)>;

struct LlmRouterOptions {
  std::string model;                        // id of the embedded model that answers
  int context = 2048;                       // that model's tokens per slot: bounds the prompt
  int max_tokens = 32;                      // the longest label is 20 bytes; a token carries >= 1
  std::chrono::milliseconds timeout{5000};  // per classification, incl. queueing
};

// Counters since construction; what the classifier did with each call.
struct LlmRouterStats {
  uint64_t answered = 0;   // the model returned a label
  uint64_t empty = 0;      // no user text: uncertain without asking
  uint64_t not_ready = 0;  // model not loaded yet
  uint64_t refused = 0;    // start() threw (overloaded 503, 400, ...)
  uint64_t timed_out = 0;  // no answer within the timeout (cancelled)
  uint64_t failed = 0;     // the answer ended in an error or was not a label
  uint64_t retried = 0;    // prompt did not fit the context; retried shorter
};

class LlmClassifier final : public router::Classifier {
 public:
  LlmClassifier(LlmRouterOptions options, LocalModel local_model);

  // Sends the last user message (bounded, invalid UTF-8 replaced by U+FFFD)
  // with temperature 0 and kGrammar, and waits for the label. A label from the
  // model is reported with confidence 1 and one-hot scores: the grammar makes
  // it valid, but the engine does not expose token probabilities, so there is
  // no calibrated confidence and `min_confidence` cannot mark it uncertain.
  // Any failure (nothing to classify, model not loaded, overloaded, timeout,
  // error) gives kFallback: sensitive_extraction, uncertain, so policy takes
  // the most protective route. Never throws; thread-safe; blocks the caller
  // for at most the timeout.
  router::Classification classify(std::span<const router::Turn> conversation) const override;

  LlmRouterStats stats() const;

  // The GBNF grammar every answer must match.
  static constexpr std::string_view kGrammar =
      R"(root ::= "public_fact" | "sensitive_extraction" | "complex_reasoning")";

  // The answer on any failure: sensitive_extraction, uncertain, uniform scores.
  static const router::Classification kFallback;

  // The instruction the model gets as its system message.
  static const std::string& system_prompt();

  // `text` cut to at most `max_bytes` bytes of valid UTF-8 (NUL -> space):
  // its head and, if it is longer, its last quarter joined by "\n[...]\n".
  static std::string bounded_text(std::string_view text, size_t max_bytes);

 private:
  struct Counters {
    std::atomic<uint64_t> answered{0}, empty{0}, not_ready{0}, refused{0}, timed_out{0}, failed{0},
        retried{0};
  };

  LlmRouterOptions options_;
  LocalModel local_model_;
  mutable Counters counters_;
};

}  // namespace perimeter::analyze
