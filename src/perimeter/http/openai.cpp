#include "http/openai.h"

#include <random>
#include <set>

#include "detect/detector.h"
#include "grammar/grammar.h"

namespace perimeter::http {
namespace {

using nlohmann::json;

const char* type_name(const json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  if (v.is_array()) return "an array";
  return "an object";
}

[[noreturn]] void bad(const std::string& param, const std::string& rule) {
  throw invalid_request("Invalid '" + param + "': " + rule, param);
}

double number_in(const json& v, const std::string& param, double lo, double hi,
                 bool lo_open = false) {
  if (!v.is_number()) bad(param, std::string("expected a number, got ") + type_name(v) + ".");
  const double d = v.get<double>();
  if (d < lo || d > hi || (lo_open && d == lo))
    bad(param, "must be in " + std::string(lo_open ? "(" : "[") + std::to_string(lo).substr(0, 4) +
                   ", " + std::to_string(hi).substr(0, 4) + "], got " + v.dump() + ".");
  return d;
}

long long integer_in(const json& v, const std::string& param, long long lo, long long hi) {
  if (!v.is_number_integer())
    bad(param, std::string("expected an integer, got ") + type_name(v) + ".");
  // Unsigned values above INT64_MAX must not wrap into range.
  if (v.is_number_unsigned() && v.get<unsigned long long>() > static_cast<unsigned long long>(hi))
    bad(param, "must be at most " + std::to_string(hi) + ".");
  const long long x = v.get<long long>();
  if (x < lo || x > hi)
    bad(param, "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                   v.dump() + ".");
  return x;
}

std::string content_text(const json& c, const std::string& param) {
  if (c.is_null()) return "";
  if (c.is_string()) return c.get<std::string>();
  if (!c.is_array())
    bad(param,
        std::string("expected a string or an array of content parts, got ") + type_name(c) + ".");
  std::string out;
  for (size_t i = 0; i < c.size(); ++i) {
    const json& part = c[i];
    const std::string pp = param + "[" + std::to_string(i) + "]";
    if (!part.is_object() || !part.contains("type") || !part["type"].is_string())
      bad(pp, "expected a content part object with a 'type'.");
    if (part["type"] != "text")
      bad(pp + ".type", "only 'text' content parts are supported, got '" +
                            part["type"].get<std::string>() + "'.");
    if (!part.contains("text") || !part["text"].is_string())
      bad(pp + ".text", "expected a string.");
    out += part["text"].get<std::string>();
  }
  return out;
}

void parse_messages(const json& body, ChatRequest& req) {
  if (!body.contains("messages"))
    throw invalid_request("Missing required parameter: 'messages'.", "messages");
  const json& msgs = body["messages"];
  if (!msgs.is_array())
    bad("messages", std::string("expected an array, got ") + type_name(msgs) + ".");
  if (msgs.empty()) bad("messages", "expected an array with at least one message.");
  for (size_t i = 0; i < msgs.size(); ++i) {
    const std::string p = "messages[" + std::to_string(i) + "]";
    const json& m = msgs[i];
    if (!m.is_object()) bad(p, std::string("expected an object, got ") + type_name(m) + ".");
    if (!m.contains("role") || !m["role"].is_string()) bad(p + ".role", "expected a string.");
    std::string role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant" && role != "developer" &&
        role != "tool")
      bad(p + ".role",
          "expected one of system, developer, user, assistant, tool; got '" + role + "'.");
    if (role == "developer") role = "system";  // the newer name for the same thing
    if (!m.contains("content") && role != "assistant")
      throw invalid_request("Missing required parameter: '" + p + ".content'.", p + ".content");
    req.messages.push_back({role, content_text(m.value("content", json()), p + ".content")});
  }
}

void parse_stop(const json& v, ChatRequest& req) {
  if (v.is_null()) return;
  if (v.is_string()) {
    if (!v.get<std::string>().empty()) req.sampling.stop.push_back(v.get<std::string>());
    return;
  }
  if (!v.is_array())
    bad("stop", std::string("expected a string or an array of strings, got ") + type_name(v) + ".");
  if (v.size() > 4) bad("stop", "at most 4 stop sequences are allowed.");
  for (const auto& s : v) {
    if (!s.is_string()) bad("stop", "expected an array of strings.");
    if (!s.get<std::string>().empty()) req.sampling.stop.push_back(s.get<std::string>());
  }
}

void parse_logit_bias(const json& v, ChatRequest& req) {
  if (v.is_null()) return;
  if (!v.is_object())
    bad("logit_bias",
        std::string("expected an object mapping token ids to biases, got ") + type_name(v) + ".");
  for (const auto& [key, bias] : v.items()) {
    char* end = nullptr;
    const long tok = std::strtol(key.c_str(), &end, 10);
    if (key.empty() || *end != '\0' || tok < 0)
      bad("logit_bias", "keys must be token ids (non-negative integers), got '" + key + "'.");
    req.sampling.logit_bias.emplace_back(
        static_cast<int32_t>(tok),
        static_cast<float>(number_in(bias, "logit_bias." + key, -100, 100)));
  }
}

// Fields OpenAI defines whose defaults we honour but whose other values the
// embedded engine cannot serve: refuse rather than silently ignore.
void refuse_unsupported(const json& body) {
  auto non_default = [&](const char* k, const json& dflt) {
    return body.contains(k) && !body[k].is_null() && body[k] != dflt;
  };
  if (non_default("n", 1)) bad("n", "only n=1 is supported.");
  if (non_default("frequency_penalty", 0) && non_default("frequency_penalty", 0.0))
    bad("frequency_penalty", "is not supported yet; omit it or send 0.");
  if (non_default("presence_penalty", 0) && non_default("presence_penalty", 0.0))
    bad("presence_penalty", "is not supported yet; omit it or send 0.");
  if (non_default("logprobs", false)) bad("logprobs", "is not supported yet.");
  if (body.contains("tools") && !body["tools"].is_null() && !body["tools"].empty())
    bad("tools", "tool calling is not supported yet.");
}

// response_format: text (nothing), json_object (any JSON object) or
// json_schema (output constrained to the schema and validated afterwards).
void parse_response_format(const json& rf, ChatRequest& req) {
  if (!rf.is_object() || !rf.contains("type") || !rf["type"].is_string())
    bad("response_format",
        "expected an object with a string 'type' (text, json_object or "
        "json_schema).");
  const std::string type = rf["type"].get<std::string>();
  for (const auto& [k, v] : rf.items())
    if (k != "type" && !(k == "json_schema" && type == "json_schema"))
      bad("response_format." + k, "is not a field of a '" + type + "' response_format.");
  if (type == "text") return;
  if (type == "json_object") {
    req.sampling.grammar = grammar::json_object_gbnf();
    req.response_format = rf.dump();
    req.response_schema = R"({"type":"object"})";
    return;
  }
  if (type != "json_schema")
    bad("response_format.type",
        "expected 'text', 'json_object' or 'json_schema', got '" + type + "'.");
  if (!rf.contains("json_schema") || !rf["json_schema"].is_object())
    bad("response_format.json_schema",
        "expected an object with 'name' and 'schema' when type is 'json_schema'.");
  const json& js = rf["json_schema"];
  for (const auto& [k, v] : js.items())
    if (k != "name" && k != "schema" && k != "strict" && k != "description")
      bad("response_format.json_schema." + k,
          "is not a field of json_schema (name, description, schema, strict).");
  if (!js.contains("name") || !js["name"].is_string() || js["name"].get<std::string>().empty())
    bad("response_format.json_schema.name", "expected a non-empty string.");
  if (js.contains("description") && !js["description"].is_string())
    bad("response_format.json_schema.description", "expected a string.");
  bool strict = false;
  if (js.contains("strict") && !js["strict"].is_null()) {
    if (!js["strict"].is_boolean())
      bad("response_format.json_schema.strict",
          std::string("expected a boolean, got ") + type_name(js["strict"]) + ".");
    strict = js["strict"].get<bool>();
  }
  if (!js.contains("schema") || !(js["schema"].is_object() || js["schema"].is_boolean()))
    bad("response_format.json_schema.schema", "expected a JSON Schema object.");
  try {
    req.sampling.grammar = *grammar::compile_cached(js["schema"], strict);
  } catch (const Error& e) {
    if (e.code != "unsupported_schema") throw;
    req.schema_refusal = e;
    req.sampling.grammar = grammar::schema_to_gbnf_relaxed(js["schema"], strict);
  }
  req.response_schema = js["schema"].dump();
  req.response_format = rf.dump();
}

}  // namespace

ChatRequest parse_chat_request(std::string_view body_text, bool require_model) {
  json body;
  try {
    body = json::parse(body_text);
  } catch (const json::parse_error& e) {
    throw invalid_request(std::string("We could not parse the JSON body of your request: ") +
                              e.what() + ". Send a JSON object (Content-Type: application/json).",
                          "", "invalid_json");
  }
  if (!body.is_object())
    throw invalid_request(
        std::string("The request body must be a JSON object, got ") + type_name(body) + ".", "",
        "invalid_json");

  static const std::set<std::string> known = {"model",
                                              "messages",
                                              "temperature",
                                              "top_p",
                                              "top_k",
                                              "min_p",
                                              "seed",
                                              "max_tokens",
                                              "max_completion_tokens",
                                              "stop",
                                              "stream",
                                              "stream_options",
                                              "logit_bias",
                                              "n",
                                              "user",
                                              "metadata",
                                              "store",
                                              "frequency_penalty",
                                              "presence_penalty",
                                              "logprobs",
                                              "top_logprobs",
                                              "tools",
                                              "tool_choice",
                                              "parallel_tool_calls",
                                              "response_format",
                                              "service_tier",
                                              "reasoning_effort",
                                              "adapter"};
  for (const auto& [k, v] : body.items())
    if (!known.count(k))
      throw invalid_request("Unrecognized request argument supplied: " + k, k, "unknown_parameter");

  ChatRequest req;
  if (!body.contains("model") && !require_model) body["model"] = "auto";
  if (!body.contains("model"))
    throw invalid_request("Missing required parameter: 'model'.", "model");
  if (!body["model"].is_string())
    bad("model", std::string("expected a string, got ") + type_name(body["model"]) + ".");
  req.model = body["model"].get<std::string>();
  parse_messages(body, req);
  refuse_unsupported(body);
  if (body.contains("response_format") && !body["response_format"].is_null())
    parse_response_format(body["response_format"], req);

  auto& s = req.sampling;
  auto present = [&](const char* k) { return body.contains(k) && !body[k].is_null(); };
  if (present("temperature")) s.temperature = number_in(body["temperature"], "temperature", 0, 2);
  if (present("top_p")) s.top_p = number_in(body["top_p"], "top_p", 0, 1, true);
  if (present("min_p")) s.min_p = number_in(body["min_p"], "min_p", 0, 1);
  if (present("top_k")) s.top_k = static_cast<int>(integer_in(body["top_k"], "top_k", 0, 1 << 20));
  if (present("seed"))
    s.seed = static_cast<uint32_t>(integer_in(body["seed"], "seed", 0, 0xFFFFFFFEll));
  if (present("max_tokens"))
    s.max_tokens = static_cast<int>(integer_in(body["max_tokens"], "max_tokens", 1, 1 << 20));
  if (present("max_completion_tokens"))
    s.max_tokens = static_cast<int>(
        integer_in(body["max_completion_tokens"], "max_completion_tokens", 1, 1 << 20));
  if (body.contains("stop")) parse_stop(body["stop"], req);
  if (body.contains("logit_bias")) parse_logit_bias(body["logit_bias"], req);
  if (present("stream")) {
    if (!body["stream"].is_boolean())
      bad("stream", std::string("expected a boolean, got ") + type_name(body["stream"]) + ".");
    req.stream = body["stream"].get<bool>();
  }
  if (present("stream_options")) {
    const json& so = body["stream_options"];
    if (!so.is_object()) bad("stream_options", "expected an object.");
    if (!req.stream) bad("stream_options", "is only allowed when 'stream' is true.");
    if (so.contains("include_usage")) {
      if (!so["include_usage"].is_boolean())
        bad("stream_options.include_usage", "expected a boolean.");
      req.include_usage = so["include_usage"].get<bool>();
    }
  }
  if (present("metadata")) {
    const json& md = body["metadata"];
    if (!md.is_object()) bad("metadata", "expected an object.");
    if (md.contains("sensitivity")) {
      if (!md["sensitivity"].is_string()) bad("metadata.sensitivity", "expected a string.");
      declare_sensitivity(req, md["sensitivity"].get<std::string>(), "metadata.sensitivity");
    }
  }
  if (present("user") && !body["user"].is_string()) bad("user", "expected a string.");
  if (present("adapter")) {
    if (!body["adapter"].is_string() || body["adapter"].get<std::string>().empty())
      bad("adapter", "expected the name of a LoRA adapter of the model (a non-empty string).");
    req.adapter = body["adapter"].get<std::string>();
  }
  return req;
}

void declare_sensitivity(ChatRequest& req, std::string_view value, const std::string& param) {
  detect::Sensitivity level;
  try {
    level = detect::parse_sensitivity(value);
  } catch (const std::invalid_argument&) {
    throw invalid_request(param + ": '" + std::string(value) +
                              "' is not a sensitivity level; use public, internal, confidential "
                              "or restricted.",
                          param);
  }
  if (!req.declared_sensitivity.empty() &&
      detect::parse_sensitivity(req.declared_sensitivity) >= level)
    return;
  req.declared_sensitivity = detect::sensitivity_name(level);
}

std::string new_completion_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* hex = "0123456789abcdef";
  std::string id = "chatcmpl-";
  for (int i = 0; i < 24; ++i) id += hex[rng() & 15];
  return id;
}

nlohmann::json usage_json(const Usage& u) {
  return {{"prompt_tokens", u.prompt_tokens},
          {"completion_tokens", u.completion_tokens},
          {"total_tokens", u.prompt_tokens + u.completion_tokens}};
}

nlohmann::json completion_json(const ResponseMeta& meta, const std::string& content,
                               const Completion& done) {
  return {{"id", meta.id},
          {"object", "chat.completion"},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", meta.fingerprint},
          {"choices",
           json::array(
               {{{"index", 0},
                 {"message", {{"role", "assistant"}, {"content", content}, {"refusal", nullptr}}},
                 {"logprobs", nullptr},
                 {"finish_reason", finish_reason_name(done.finish)}}})},
          {"usage", usage_json(done.usage)}};
}

nlohmann::json chunk_json(const ResponseMeta& meta, nlohmann::json delta, const char* finish,
                          bool with_usage) {
  json j = {{"id", meta.id},
            {"object", "chat.completion.chunk"},
            {"created", meta.created},
            {"model", meta.model},
            {"system_fingerprint", meta.fingerprint},
            {"choices", json::array({{{"index", 0},
                                      {"delta", std::move(delta)},
                                      {"logprobs", nullptr},
                                      {"finish_reason", finish ? json(finish) : json(nullptr)}}})}};
  if (with_usage) j["usage"] = nullptr;
  return j;
}

nlohmann::json usage_chunk_json(const ResponseMeta& meta, const Usage& usage) {
  return {{"id", meta.id},
          {"object", "chat.completion.chunk"},
          {"created", meta.created},
          {"model", meta.model},
          {"system_fingerprint", meta.fingerprint},
          {"choices", json::array()},
          {"usage", usage_json(usage)}};
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace perimeter::http
