// The OpenAI chat-completions wire format: request parsing with precise 400s,
// and the exact response, chunk and error shapes clients expect.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/chat.h"

namespace perimeter::http {

// Parses a /v1/chat/completions body. Throws Error 400 naming the offending
// field for malformed JSON, wrong types, out-of-range or unsupported values.
// `require_model` false lets the analyze endpoint take a body without one.
ChatRequest parse_chat_request(std::string_view body, bool require_model = true);

// Raises req.declared_sensitivity to the level `value` names (case-insensitive;
// the higher of the two wins). Throws Error 400 naming `param` for an unknown level.
void declare_sensitivity(ChatRequest& req, std::string_view value, const std::string& param);

// Identity of one response, shared by all its chunks.
struct ResponseMeta {
  std::string id;     // "chatcmpl-..."
  long long created;  // unix seconds
  std::string model;
  std::string fingerprint;  // system_fingerprint
};

// A fresh "chatcmpl-<24 hex>" id.
std::string new_completion_id();

// The non-streaming chat.completion object.
nlohmann::json completion_json(const ResponseMeta& meta, const std::string& content,
                               const Completion& done);

// One chat.completion.chunk. `delta` is the choice delta; `finish` is null or
// a reason; `with_usage` adds "usage": null (include_usage streams).
nlohmann::json chunk_json(const ResponseMeta& meta, nlohmann::json delta, const char* finish,
                          bool with_usage);

// The final usage-only chunk of an include_usage stream ("choices": []).
nlohmann::json usage_chunk_json(const ResponseMeta& meta, const Usage& usage);

// {"prompt_tokens","completion_tokens","total_tokens"}.
nlohmann::json usage_json(const Usage& usage);

// Serializes for the wire; invalid UTF-8 can never reach a client.
std::string dump(const nlohmann::json& j);

}  // namespace perimeter::http
