// The chat request as every stage after parsing sees it, independent of the
// wire format, and the events a backend reports while answering it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace perimeter {

struct Message {
  std::string role;  // system | user | assistant | developer | tool
  std::string content;
};

// Per-request sampling overrides; absent fields take the model's defaults.
struct SamplingOverrides {
  std::optional<double> temperature;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<int> top_k;
  std::optional<uint32_t> seed;
  std::optional<int> max_tokens;
  std::vector<std::string> stop;
  std::vector<std::pair<int32_t, float>> logit_bias;  // token id -> bias
  // GBNF grammar (start rule `root`) the output must match; empty = none.
  // Not read from the wire: stages set it (LLM router, response_format).
  std::string grammar;
};

struct ChatRequest {
  std::string model;
  std::vector<Message> messages;
  SamplingOverrides sampling;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  // Sensitivity the caller declares (X-Perimeter-Sensitivity or
  // metadata.sensitivity), a level name; empty = none. It can only raise
  // the effective level, never lower it.
  std::string declared_sensitivity;
  // response_format as the client sent it (validated JSON text), for the
  // upstreams that enforce it themselves; empty = plain text.
  std::string response_format;
  // The schema (JSON text) the answer must validate against: json_schema's,
  // or {"type":"object"} for json_object; empty = none. Its grammar is in
  // sampling.grammar.
  std::string response_schema;
  // LoRA adapter of the serving embedded model (the request's `adapter`
  // field, or the route's); empty = the base model.
  std::string adapter;
  // The schema compiler's refusal of response_format's schema (a keyword it
  // cannot enforce). The request then carries the grammar of a superset
  // (grammar::schema_to_gbnf_relaxed) and policy decides: a route with
  // `unenforced_schema: validate` serves it, validating the answer
  // afterwards; elsewhere this is the answer (400).
  std::optional<Error> schema_refusal;
};

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
};

enum class FinishReason { Stop, Length, Cancelled };

// "stop" / "length" / "cancelled".
const char* finish_reason_name(FinishReason r);

// What a backend reports at the end of an answer.
struct Completion {
  FinishReason finish = FinishReason::Stop;
  Usage usage;
  std::optional<Error> error;  // set if the answer failed
  std::string model_sha256;    // the pinned hash of the model that served it
};

// Callbacks a backend invokes, possibly from its own thread: any number of
// text deltas (valid UTF-8), then exactly one on_done.
struct AnswerSink {
  std::function<void(std::string_view delta)> on_delta;
  std::function<void(const Completion&)> on_done;
};

}  // namespace perimeter
