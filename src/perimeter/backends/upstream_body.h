// The request body an OpenAI-compatible upstream receives, per flavour
// (openai, vllm, llamacpp, ollama, tgi): egress hygiene and each engine's
// dialect for sampling and structured output.
#pragma once

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/chat.h"

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

}  // namespace perimeter::backends
