#include "backends/upstream_body.h"

#include "core/error.h"

namespace perimeter::backends {
namespace {

using nlohmann::json;

bool flavour_has_top_k(const std::string& f) {
  return f == "vllm" || f == "llamacpp";
}
bool flavour_has_logit_bias(const std::string& f) {
  return f == "openai" || f == "vllm" || f == "llamacpp";
}

// Structured output in the flavour's dialect: the client's response_format
// (its schema already compiled and checked by us, so every flavour enforces
// the same schema), else a stage's GBNF grammar (the LLM router).
void apply_structured_output(const std::string& flavour, const ChatRequest& r, json& body) {
  if (!r.response_format.empty()) {
    const json rf = json::parse(r.response_format);
    const json schema = json::parse(r.response_schema);
    const bool any_object = rf["type"] == "json_object";
    if (flavour == "openai" || flavour == "ollama") {
      body["response_format"] = rf;  // Ollama's OpenAI endpoint maps it to its `format`
    } else if (flavour == "vllm") {
      body["structured_outputs"] =
          any_object ? json{{"json_object", true}} : json{{"json", schema}};
    } else if (flavour == "llamacpp") {
      body["json_schema"] = schema;
    } else if (flavour == "tgi") {
      body["response_format"] = {{"type", "json"}, {"value", schema}};
    }
    return;
  }
  if (r.sampling.grammar.empty()) return;
  if (flavour == "llamacpp") {
    body["grammar"] = r.sampling.grammar;
  } else if (flavour == "vllm") {
    body["structured_outputs"] = {{"grammar", r.sampling.grammar}};
  } else {
    throw invalid_request("A GBNF grammar cannot be passed to this model's upstream (flavour " +
                              flavour + "); use a local model for grammar-constrained output.",
                          "grammar", "unsupported_parameter");
  }
}

}  // namespace

json upstream_body(const config::Model& m, const ChatRequest& r) {
  const std::string& f = m.upstream.flavour;
  json b = json::object();
  b["model"] = m.upstream.model;
  json messages = json::array();
  for (const auto& msg : r.messages) {
    // Only OpenAI itself knows the `developer` role; for the others it is a system prompt.
    const std::string role = msg.role == "developer" && f != "openai" ? "system" : msg.role;
    messages.push_back({{"role", role}, {"content", msg.content}});
  }
  b["messages"] = std::move(messages);

  const SamplingOverrides& o = r.sampling;
  const config::Sampling& d = m.sampling;
  const bool dflt = m.sampling_set;  // configured defaults are sent; built-in ones are not
  auto pick_d = [&](const std::optional<double>& v, double def) -> std::optional<double> {
    if (v) return v;
    if (dflt) return def;
    return std::nullopt;
  };
  if (auto v = pick_d(o.temperature, d.temperature)) b["temperature"] = *v;
  if (auto v = pick_d(o.top_p, d.top_p)) b["top_p"] = *v;
  if (flavour_has_top_k(f)) {
    if (auto v = pick_d(o.min_p, d.min_p)) b["min_p"] = *v;
    if (o.top_k)
      b["top_k"] = *o.top_k;
    else if (dflt)
      b["top_k"] = d.top_k;
  }
  if (o.seed)
    b["seed"] = *o.seed;
  else if (dflt && d.seed)
    b["seed"] = *d.seed;
  std::optional<int> max_tokens = o.max_tokens;
  if (!max_tokens && dflt) max_tokens = d.max_tokens;
  if (max_tokens) b[f == "openai" ? "max_completion_tokens" : "max_tokens"] = *max_tokens;
  if (!o.stop.empty()) b["stop"] = o.stop;
  if (!o.logit_bias.empty()) {
    if (!flavour_has_logit_bias(f))
      throw invalid_request(
          "logit_bias is not supported by this model's upstream (flavour " + f + ").", "logit_bias",
          "unsupported_parameter");
    json lb = json::object();
    for (const auto& [id, bias] : o.logit_bias) lb[std::to_string(id)] = bias;
    b["logit_bias"] = std::move(lb);
  }
  apply_structured_output(f, r, b);
  b["stream"] = r.stream;
  if (r.stream) b["stream_options"] = {{"include_usage", true}};
  if (f == "openai") b["store"] = false;
  return b;
}

}  // namespace perimeter::backends
