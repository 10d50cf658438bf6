#include <gtest/gtest.h>

#include "http/openai.h"

namespace perimeter::http {
namespace {

using nlohmann::json;

Error error_of(const std::string& body) {
  try {
    parse_chat_request(body);
  } catch (const Error& e) {
    return e;
  }
  return Error(0, "", "parsed");
}

const std::string kMsgs = R"("messages":[{"role":"user","content":"hi"}])";

TEST(ParseChat, FullRequest) {
  ChatRequest r =
      parse_chat_request(R"({"model":"demo",)" + kMsgs +
                         R"(,"temperature":0.2,"top_p":0.9,"top_k":5,"min_p":0.01,"seed":7,
      "max_completion_tokens":11,"stop":["a","b"],"stream":true,"stream_options":{"include_usage":true},
      "logit_bias":{"42":-100},"user":"u1","metadata":{"k":"v"}})");
  EXPECT_EQ(r.model, "demo");
  ASSERT_EQ(r.messages.size(), 1u);
  EXPECT_EQ(r.messages[0].content, "hi");
  EXPECT_EQ(*r.sampling.temperature, 0.2);
  EXPECT_EQ(*r.sampling.top_p, 0.9);
  EXPECT_EQ(*r.sampling.top_k, 5);
  EXPECT_EQ(*r.sampling.seed, 7u);
  EXPECT_EQ(*r.sampling.max_tokens, 11);
  EXPECT_EQ(r.sampling.stop, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.stream);
  EXPECT_TRUE(r.include_usage);
  ASSERT_EQ(r.sampling.logit_bias.size(), 1u);
  EXPECT_EQ(r.sampling.logit_bias[0].first, 42);
  EXPECT_EQ(r.sampling.logit_bias[0].second, -100.0f);
}

TEST(ParseChat, ContentPartsAndDeveloperRole) {
  ChatRequest r = parse_chat_request(
      R"({"model":"m","messages":[{"role":"developer","content":"sys"},{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
  EXPECT_EQ(r.messages[0].role, "system");
  EXPECT_EQ(r.messages[1].content, "ab");
}

TEST(ParseChat, ErrorsNameTheField) {
  EXPECT_EQ(error_of("{not json").code, "invalid_json");
  EXPECT_EQ(error_of("[1,2]").code, "invalid_json");
  EXPECT_EQ(error_of(R"({"model":"m"})").param, "messages");
  EXPECT_EQ(error_of(R"({"messages":[{"role":"user","content":"x"}]})").param, "model");
  EXPECT_EQ(error_of(R"({"model":"m","messages":[]})").param, "messages");
  EXPECT_EQ(error_of(R"({"model":"m","messages":[{"role":"wizard","content":"x"}]})").param,
            "messages[0].role");
  EXPECT_EQ(
      error_of(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url"}]}]})")
          .param,
      "messages[0].content[0].type");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"temperature":3})").param, "temperature");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"temperature":"hot"})").param, "temperature");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"top_p":0})").param, "top_p");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"max_tokens":0})").param, "max_tokens");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"seed":1.5})").param, "seed");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"seed":18446744073709551615})").param,
            "seed");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"stop":["a","b","c","d","e"]})").param,
            "stop");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"n":2})").param, "n");
  EXPECT_EQ(
      error_of(R"({"model":"m",)" + kMsgs + R"(,"stream_options":{"include_usage":true}})").param,
      "stream_options");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"logit_bias":{"x":1}})").param, "logit_bias");
  EXPECT_EQ(error_of(R"({"model":"m",)" + kMsgs + R"(,"response_format":{"type":"xml"}})").param,
            "response_format.type");
  Error unknown = error_of(R"({"model":"m",)" + kMsgs + R"(,"temprature":1})");
  EXPECT_EQ(unknown.param, "temprature");
  EXPECT_EQ(unknown.code, "unknown_parameter");
}

TEST(ParseChat, InvalidUtf8IsRejected) {
  Error e =
      error_of("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\xff\xfe\"}]}");
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.code, "invalid_json");
}

TEST(Wire, ChunkAndCompletionShapes) {
  ResponseMeta meta{"chatcmpl-x", 123, "demo", "fp_abc"};
  Completion done;
  done.finish = FinishReason::Length;
  done.usage = {3, 4};
  json c = completion_json(meta, "hello", done);
  EXPECT_EQ(c["object"], "chat.completion");
  EXPECT_EQ(c["choices"][0]["message"]["content"], "hello");
  EXPECT_EQ(c["choices"][0]["finish_reason"], "length");
  EXPECT_EQ(c["usage"]["total_tokens"], 7);
  json k = chunk_json(meta, {{"content", "x"}}, nullptr, true);
  EXPECT_EQ(k["object"], "chat.completion.chunk");
  EXPECT_TRUE(k["choices"][0]["finish_reason"].is_null());
  EXPECT_TRUE(k.contains("usage") && k["usage"].is_null());
  EXPECT_FALSE(chunk_json(meta, json::object(), "stop", false).contains("usage"));
  EXPECT_TRUE(usage_chunk_json(meta, {1, 2})["choices"].empty());
  // Invalid UTF-8 never reaches the wire.
  EXPECT_NO_THROW(dump(json("\xff")));
  EXPECT_NE(new_completion_id(), new_completion_id());
}

}  // namespace
}  // namespace perimeter::http
