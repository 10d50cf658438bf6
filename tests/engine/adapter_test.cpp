// Issue #7 item 6: LoRA adapters on the embedded engine — the demo adapter
// writer, pinning, per-request selection, and that requests with different
// adapters (or none) sharing the engine still decode exactly what they decode alone.
#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>

#include "core/sha256.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "support/answer_collector.h"
#include "support/demo.h"

namespace perimeter::engine {
namespace {

using testing::Answer;
using testing::Collector;
using testing::tiny_adapter;
using testing::tiny_adapter_sha256;
using testing::tiny_model;
using testing::tiny_model_sha256;

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("perimeter-" + std::to_string(::getpid()) + "-" + name);
}

EngineOptions options(int slots, std::vector<AdapterFile> adapters) {
  EngineOptions o;
  o.name = "demo";
  o.path = tiny_model();
  o.sha256 = tiny_model_sha256();
  o.slots = slots;
  o.threads = 1;
  o.context = 512;
  o.queue = 8;
  o.adapters = std::move(adapters);
  return o;
}

// Adapter "a" (seed 1), "b" (seed 2, half strength) and "off" (seed 1, scale 0).
std::vector<AdapterFile> three_adapters() {
  return {{"a", tiny_adapter(1), tiny_adapter_sha256(1), 1.0f},
          {"b", tiny_adapter(2), tiny_adapter_sha256(2), 0.5f},
          {"off", tiny_adapter(1), tiny_adapter_sha256(1), 0.0f}};
}

Sampling sampled(uint32_t seed, const std::string& adapter = "") {
  Sampling s;
  s.temperature = 0.9;
  s.top_k = 40;
  s.top_p = 0.95;
  s.min_p = 0;
  s.seed = seed;
  s.max_tokens = 32;
  s.adapter = adapter;
  return s;
}

std::vector<Message> chat(const std::string& text) {
  return {{"user", text}};
}

Answer ask(Engine& e, const std::string& text, const Sampling& s) {
  Collector c;
  e.submit(chat(text), s, c.sink());
  return c.wait();
}

TEST(DemoAdapter, SameArgumentsSameBytes) {
  const auto a = temp_path("a.lora.gguf"), b = temp_path("b.lora.gguf"),
             c = temp_path("c.lora.gguf");
  const std::string ha = write_demo_adapter(a, tiny_model(), 5);
  EXPECT_EQ(write_demo_adapter(b, tiny_model(), 5), ha);
  EXPECT_EQ(sha256_file(a), ha);
  EXPECT_NE(write_demo_adapter(c, tiny_model(), 6), ha);  // the seed changes the weights
  for (const auto& p : {a, b, c}) std::filesystem::remove(p);
}

TEST(DemoAdapter, UnreadableBaseIsAClearError) {
  try {
    write_demo_adapter(temp_path("x.lora.gguf"), "/nonexistent/model.gguf", 1);
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/model.gguf"), std::string::npos);
  }
}

class AdapterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { engine_ = Engine::load(options(4, three_adapters())).release(); }
  static void TearDownTestSuite() {
    delete engine_;
    engine_ = nullptr;
  }
  static Engine* engine_;
};
Engine* AdapterTest::engine_ = nullptr;

TEST_F(AdapterTest, AnAdapterChangesTheAnswerAndReplaysExactly) {
  const Answer base = ask(*engine_, "tell me a story", sampled(42));
  const Answer a = ask(*engine_, "tell me a story", sampled(42, "a"));
  const Answer a2 = ask(*engine_, "tell me a story", sampled(42, "a"));
  const Answer b = ask(*engine_, "tell me a story", sampled(42, "b"));
  for (const Answer* x : {&base, &a, &b}) {
    ASSERT_FALSE(x->done.error) << x->done.error->what();
    EXPECT_FALSE(x->text.empty());
  }
  EXPECT_NE(a.text, base.text);
  EXPECT_NE(b.text, base.text);
  EXPECT_NE(a.text, b.text);
  EXPECT_EQ(a.text, a2.text);
  // Scale 0 is the base model: the scale reaches llama.cpp.
  EXPECT_EQ(ask(*engine_, "tell me a story", sampled(42, "off")).text, base.text);
}

TEST_F(AdapterTest, MixedAdaptersInFlightDecodeWhatTheyDecodeAlone) {
  // An adapter applies to the whole llama.cpp context, so the engine must
  // never decode one request's tokens under another request's adapter.
  const std::vector<std::pair<std::string, Sampling>> reqs = {
      {"first prompt", sampled(1)}, {"second prompt, a longer one", sampled(2, "a")},
      {"third", sampled(3, "b")},   {"fourth prompt", sampled(4, "a")},
      {"fifth", sampled(5)},        {"sixth prompt here", sampled(6, "b")}};
  std::vector<std::string> alone;
  for (const auto& [text, s] : reqs) alone.push_back(ask(*engine_, text, s).text);
  std::vector<Collector> together(reqs.size());
  for (size_t i = 0; i < reqs.size(); ++i)
    engine_->submit(chat(reqs[i].first), reqs[i].second, together[i].sink());
  for (size_t i = 0; i < reqs.size(); ++i) {
    const Answer got = together[i].wait();
    ASSERT_FALSE(got.done.error) << got.done.error->what();
    EXPECT_EQ(got.text, alone[i]) << "request " << i << " (adapter '" << reqs[i].second.adapter
                                  << "')";
  }
}

TEST_F(AdapterTest, UnknownAdapterIsA400NamingTheKnownOnes) {
  Collector c;
  try {
    engine_->submit(chat("x"), sampled(1, "legal"), c.sink());
    FAIL() << "an unknown adapter must be refused";
  } catch (const Error& e) {
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.code, "adapter_not_found");
    EXPECT_EQ(e.param, "adapter");
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'legal'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("a, b, off"), std::string::npos) << msg;
  }
}

TEST(AdapterPin, MismatchIsRefusedNamingTheAdapterAndBothHashes) {
  auto adapters = three_adapters();
  adapters[1].sha256 = std::string(64, '0');
  try {
    Engine::load(options(1, adapters));
    FAIL() << "a wrong adapter pin must refuse to load";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("adapter 'b'"), std::string::npos) << msg;
    EXPECT_NE(msg.find(tiny_adapter_sha256(2)), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(64, '0')), std::string::npos) << msg;
    EXPECT_NE(msg.find("models.demo.adapters.b.sha256"), std::string::npos) << msg;
  }
}

TEST(AdapterPin, AFileThatIsNotAnAdapterIsRefusedByName) {
  // The model file itself, correctly pinned, is not a LoRA adapter.
  try {
    Engine::load(options(1, {{"notlora", tiny_model(), tiny_model_sha256(), 1.0f}}));
    FAIL() << "a non-adapter file must refuse to load";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("adapter 'notlora'"), std::string::npos) << e.what();
  }
}

TEST(AdapterPin, MissingFileSaysHowToCreateOne) {
  try {
    Engine::load(options(1, {{"gone", "/nonexistent/lora.gguf", std::string(64, '1'), 1.0f}}));
    FAIL();
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("/nonexistent/lora.gguf"), std::string::npos) << msg;
    EXPECT_NE(msg.find("perimeter demo-adapter"), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace perimeter::engine
