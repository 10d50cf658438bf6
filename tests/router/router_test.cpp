// Intent router: pinning, determinism, the shipped artefact, an accuracy
// floor, and defined answers on hostile input.
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "core/sha256.h"
#include "router/dataset.h"
#include "router/features.h"
#include "router/linear_model.h"
#include "router/router.h"
#include "router/train.h"

namespace perimeter::router {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = PERIMETER_SOURCE_DIR;
const fs::path kData = kSource / "data/router/prompts.jsonl";
const fs::path kModel = kSource / std::string(kBuiltinModelPath);

// The test-split macro-F1 the shipped model reached (0.961), rounded down: a
// regression in data, features or training below this fails the build.
constexpr double kMacroF1Floor = 0.96;

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

fs::path temp_file(const std::string& name, const std::string& bytes) {
  fs::path p = fs::temp_directory_path() / ("perimeter_router_" + name);
  std::ofstream(p, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::unique_ptr<Classifier> builtin(double min_confidence = 0.7) {
  return load_linear_classifier(kModel, std::string(kBuiltinModelSha256), min_confidence);
}

TrainOptions shipped_options() {
  TrainOptions o;  // the shipped model uses the defaults, seed 1
  o.data_sha256 = sha256_file(kData);
  return o;
}

Classification classify_text(const Classifier& c, std::string_view text) {
  Turn t{"user", text};
  return c.classify(std::span<const Turn>(&t, 1));
}

void expect_valid(const Classification& c) {
  double sum = 0;
  for (double s : c.scores) {
    EXPECT_TRUE(std::isfinite(s));
    EXPECT_GE(s, 0.0);
    sum += s;
  }
  EXPECT_NEAR(sum, 1.0, 1e-9);
  EXPECT_EQ(c.confidence, c.scores[static_cast<size_t>(c.intent)]);
  EXPECT_TRUE(c.intent == Intent::PublicFact || c.intent == Intent::SensitiveExtraction ||
              c.intent == Intent::ComplexReasoning);
}

TEST(RouterPin, ShippedFileMatchesBuiltinPin) {
  EXPECT_EQ(sha256_file(kModel), kBuiltinModelSha256);
  EXPECT_LE(fs::file_size(kModel), 16u << 20);
}

TEST(RouterPin, WrongHashIsRefusedNamingBothHashes) {
  const std::string wrong(64, 'a');
  try {
    load_linear_classifier(kModel, wrong, 0.7);
    FAIL() << "a wrong pin was accepted";
  } catch (const std::runtime_error& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(wrong), std::string::npos) << msg;
    EXPECT_NE(msg.find(std::string(kBuiltinModelSha256)), std::string::npos) << msg;
  }
}

TEST(RouterPin, MissingOrMalformedPinIsRefused) {
  EXPECT_THROW(load_linear_classifier(kModel, "", 0.7), std::runtime_error);
  EXPECT_THROW(load_linear_classifier(kModel, std::string(kBuiltinModelSha256).substr(1), 0.7),
               std::runtime_error);
  EXPECT_THROW(load_linear_classifier(kModel, std::string(kBuiltinModelSha256), 1.5),
               std::runtime_error);
}

TEST(RouterArtefact, CorruptFilesAreRefusedEvenWhenPinned) {
  std::string good = read_file(kModel);
  std::vector<std::pair<std::string, std::string>> bad = {
      {"truncated", good.substr(0, good.size() - 4)},
      {"magic", "XXXXXXXX" + good.substr(8)},
      {"empty", ""},
  };
  std::string unknown_key = good;
  size_t pos = unknown_key.find("seed=");
  ASSERT_NE(pos, std::string::npos);
  unknown_key.replace(pos, 5, "sEEd=");
  bad.emplace_back("unknown_key", unknown_key);
  std::string nan_weight = good;
  float nan = std::nanf("");
  std::memcpy(nan_weight.data() + nan_weight.size() - 4, &nan, 4);
  bad.emplace_back("nan", nan_weight);
  for (auto& [name, bytes] : bad) {
    fs::path p = temp_file(name, bytes);
    EXPECT_THROW(load_linear_classifier(p, sha256_hex(bytes), 0.7), std::runtime_error) << name;
    fs::remove(p);
  }
}

TEST(RouterTraining, DeterministicAndSeeded) {
  std::vector<Example> data = load_examples(kData);
  TrainOptions o = shipped_options();
  std::string a = serialize(train_linear(data, o).model);
  std::string b = serialize(train_linear(data, o).model);
  EXPECT_TRUE(a == b) << "same data and seed gave different bytes";
  o.seed = 2;
  std::string c = serialize(train_linear(data, o).model);
  EXPECT_FALSE(a == c) << "the seed has no effect";
}

TEST(RouterTraining, ShippedArtefactRegeneratesFromData) {
  std::vector<Example> data = load_examples(kData);
  std::string fresh = serialize(train_linear(data, shipped_options()).model);
  EXPECT_EQ(sha256_hex(fresh), sha256_file(kModel))
      << "retrain: perimeter router train data/router/prompts.jsonl -o " << kBuiltinModelPath
      << ", then update kBuiltinModelSha256";
}

TEST(RouterTraining, SerializeParseRoundTrip) {
  LinearModel m = parse_linear_model(read_file(kModel));
  EXPECT_EQ(serialize(m), read_file(kModel));
  EXPECT_EQ(m.data_sha256, sha256_file(kData));
  EXPECT_GT(m.temperature, 0.0);
}

TEST(RouterEval, TestSplitStaysAboveFloor) {
  std::vector<Example> test = select_split(load_examples(kData), Split::Test);
  ASSERT_GE(test.size(), 300u);
  EvalReport r = evaluate(*builtin(), test);
  EXPECT_GE(r.macro_f1, kMacroF1Floor) << format_report(r);
  for (size_t c = 0; c < 3; ++c) EXPECT_GT(r.f1[c], 0.75) << intent_name(static_cast<Intent>(c));
}

TEST(RouterData, EnoughBalancedExamples) {
  std::vector<Example> all = load_examples(kData);
  ASSERT_GE(all.size(), 3000u);
  size_t per[3] = {};
  for (const Example& e : all) ++per[static_cast<size_t>(e.label)];
  for (size_t n : per) EXPECT_GE(n, all.size() / 4);
}

TEST(RouterData, SplitHashIsFixed) {
  // Mirrored by data/router/gen/common.py; changing either reshuffles the split.
  EXPECT_EQ(fnv1a64(""), 14695981039346656037ULL);
  EXPECT_EQ(fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
  Example e;
  e.text = "x";
  e.group = "a";
  EXPECT_EQ(split_of(e), fnv1a64("a") % 100 < 80   ? Split::Train
                         : fnv1a64("a") % 100 < 90 ? Split::Dev
                                                   : Split::Test);
}

TEST(RouterInput, EmptyInputsAreDefinedAndUncertain) {
  auto c = builtin(0.0);  // even with no threshold, nothing to read is uncertain
  Classification none = c->classify({});
  expect_valid(none);
  EXPECT_TRUE(none.uncertain);
  for (std::string_view text : {std::string_view(""), std::string_view("   \n\t  ")}) {
    Classification r = classify_text(*c, text);
    expect_valid(r);
    EXPECT_TRUE(r.uncertain);
  }
}

TEST(RouterInput, HugeInvalidAndOddInputsAreDefined) {
  auto c = builtin();
  std::string big(10u << 20, 'a');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = ' ';
  expect_valid(classify_text(*c, big));
  std::string invalid = "what is \xff\xfe\xc3 the \x80\x80 SSN in \xed\xa0\x80 this";
  expect_valid(classify_text(*c, invalid));
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>(i * 37);
  expect_valid(classify_text(*c, binary));
  std::string one_word(100000, 'x');  // one enormous token
  expect_valid(classify_text(*c, one_word));
  Turn only_system{"system", "You are a helpful assistant."};
  expect_valid(c->classify(std::span<const Turn>(&only_system, 1)));
  std::vector<Turn> many(5000, Turn{"assistant", "earlier turn text"});
  many.push_back(Turn{"user", "What is the capital of France?"});
  expect_valid(c->classify(many));
  std::string punct(1 << 20, '!');  // the most features per byte, in every turn
  std::vector<Turn> systems(3000, Turn{"system", punct});
  systems.push_back(Turn{"user", punct});
  expect_valid(c->classify(systems));
}

TEST(RouterInput, ObviousCasesAndCaseInsensitivity) {
  auto c = builtin();
  EXPECT_EQ(classify_text(*c, "What is the capital of Australia?").intent, Intent::PublicFact);
  EXPECT_EQ(classify_text(*c, "WHAT IS THE CAPITAL OF AUSTRALIA?").intent, Intent::PublicFact);
  EXPECT_EQ(classify_text(*c,
                          "Extract the SSN and date of birth from this W-2:\n"
                          "a Employee's social security number: 123-45-6789\ne Employee: Jo Park")
                .intent,
            Intent::SensitiveExtraction);
  EXPECT_EQ(classify_text(*c,
                          "Design a fault-tolerant job queue and prove it never loses a job; "
                          "discuss the trade-offs step by step.")
                .intent,
            Intent::ComplexReasoning);
}

TEST(RouterInput, ConcurrentCallsAgree) {
  auto c = builtin();
  const std::string text = "Summarize this discharge summary and list the medications.";
  Classification ref = classify_text(*c, text);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 2000; ++i)
        if (classify_text(*c, text).scores != ref.scores) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(RouterInput, MinConfidenceMarksUncertain) {
  auto strict = builtin(1.0);
  auto lax = builtin(0.0);
  std::string text = "tell me something";
  EXPECT_TRUE(classify_text(*strict, text).uncertain);
  EXPECT_FALSE(classify_text(*lax, text).uncertain);
}

TEST(RouterData, MultiTurnExamplesLoadAsConversations) {
  fs::path p =
      temp_file("turns.jsonl",
                "{\"text\": \"and her DOB?\", \"label\": \"sensitive_extraction\", "
                "\"system\": \"sys\", \"turns\": [{\"role\": \"user\", \"text\": \"doc\"}, "
                "{\"role\": \"assistant\", \"text\": \"ok\"}]}\n");
  std::vector<Example> ex = load_examples(p);
  ASSERT_EQ(ex.size(), 1u);
  std::vector<Turn> conv = conversation_of(ex[0]);
  ASSERT_EQ(conv.size(), 4u);
  EXPECT_EQ(conv[0].role, "system");
  EXPECT_EQ(conv[1].text, "doc");
  EXPECT_EQ(conv[2].role, "assistant");
  EXPECT_EQ(conv[3].role, "user");
  EXPECT_EQ(conv[3].text, "and her DOB?");
  fs::remove(p);
  fs::path bad =
      temp_file("badturns.jsonl",
                "{\"text\": \"x\", \"label\": \"public_fact\", \"turns\": [{\"role\": 1}]}\n");
  EXPECT_THROW(load_examples(bad), std::runtime_error);
  fs::remove(bad);
  // The shipped data has multi-turn examples, and the context changes the answer.
  std::vector<Example> all = load_examples(kData);
  size_t multi = 0;
  for (const Example& e : all) multi += !e.turns.empty();
  EXPECT_GE(multi, 100u);
}

TEST(RouterFeatures, LongWordsAndCharWindow) {
  FeatureSettings s;
  auto features = [&](const FeatureSettings& fs, std::string_view text) {
    std::vector<uint32_t> out;
    Turn t{"user", text};
    for_each_feature(fs, std::span<const Turn>(&t, 1),
                     [&](uint32_t ns, uint32_t b) { out.push_back(ns << 24 ^ b); });
    return out;
  };
  // Words hash in 8-byte chunks: a difference anywhere, at any length, counts.
  EXPECT_NE(features(s, "abcdefghijklmnopq"), features(s, "abcdefghijklmnopr"));
  EXPECT_NE(features(s, "abcdefgh"), features(s, "abcdefghh"));
  EXPECT_NE(features(s, "xbcdefghijk"), features(s, "abcdefghijk"));
  // ngram_window bounds the char n-grams of a long message to its two ends.
  std::string text;
  while (text.size() < 4000) text += "patient medication schedule ";
  FeatureSettings everywhere = s, windowed = s;
  everywhere.ngram_window = 0;
  windowed.ngram_window = 256;
  size_t all = features(everywhere, text).size(), bounded = features(windowed, text).size();
  EXPECT_LT(bounded, all / 2);
  EXPECT_EQ(features(windowed, "short message here"), features(everywhere, "short message here"));
}

TEST(RouterFeatures, SimdAndBytewiseClassificationAgree) {
  // Full 64-byte blocks are classified with SIMD, a shorter rest byte by
  // byte. A text under 64 bytes goes the bytewise way; padded with
  // separators it goes the SIMD way, at every offset and lane.
  FeatureSettings s;
  s.ngram_window = 0;  // position-independent features only
  s.edge_bytes = 0;
  auto features = [&](std::string_view t) {
    std::vector<uint32_t> out;
    Turn turn{"user", t};
    for_each_feature(s, std::span<const Turn>(&turn, 1),
                     [&](uint32_t ns, uint32_t b) { out.push_back(ns << 24 ^ b); });
    std::sort(out.begin(), out.end());
    return out;
  };
  for (std::string text :
       {"ÉCOLE Straße ÀÖ×Þ ÿ \xc3\x97x \xc3\xc3\x80\xc3\x9e\xc3\x9f",
        "Hello, World! 2024-05-01 a_b@c.de ~`{}|[] MRN-8830211",
        "\x80\xff\xfe \t\x01\x7f\x20\x21\x2f\x30\x39\x3a\x40\x41\x5a\x5b\x60\x61\x7a\x7b",
        "«quote» naïve café ZÜRICH Ångström"}) {
    ASSERT_LT(text.size(), 64u);
    const std::vector<uint32_t> bytewise = features(text);
    for (size_t k = 0; k < 64; ++k)
      EXPECT_EQ(features(std::string(k, ' ') + text + std::string(128, ' ')), bytewise)
          << "offset " << k << " of: " << text;
  }
}

TEST(RouterModel, QuantizedScoresMatchFloatModel) {
  // The classifier sums int16-quantized weights; it must agree with the
  // float model it was loaded from.
  LinearModel m = parse_linear_model(read_file(kModel));
  auto clf = make_linear_classifier(m, 0.0);
  std::vector<Example> test = select_split(load_examples(kData), Split::Test);
  double worst = 0;
  size_t checked = 0;
  for (const Example& e : test) {
    if (++checked > 200) break;
    std::vector<Turn> conv = conversation_of(e);
    std::array<double, 3> acc[kNamespaceCount] = {};
    uint64_t n[kNamespaceCount] = {};
    for_each_feature(m.features, conv, [&](uint32_t ns, uint32_t b) {
      for (size_t c = 0; c < 3; ++c) acc[ns][c] += m.weights[3 * b + c];
      ++n[ns];
    });
    std::array<double, 3> z;
    for (size_t c = 0; c < 3; ++c) {
      z[c] = m.bias[c];
      for (uint32_t ns = 0; ns < kNamespaceCount; ++ns)
        z[c] += norm_scale(m.norm, n[ns]) * acc[ns][c];
    }
    std::array<double, 3> p = softmax(z, m.temperature);
    Classification got = clf->classify(conv);
    for (size_t c = 0; c < 3; ++c) worst = std::max(worst, std::abs(p[c] - got.scores[c]));
  }
  EXPECT_LT(worst, 2e-3);
}

TEST(RouterFeatures, NormalizationFoldsCaseDigitsAndLatin1) {
  FeatureSettings s;
  auto features = [&](std::string_view text) {
    std::vector<uint32_t> out;
    Turn t{"user", text};
    for_each_feature(s, std::span<const Turn>(&t, 1),
                     [&](uint32_t ns, uint32_t b) { out.push_back(ns << 24 ^ b); });
    return out;
  };
  EXPECT_EQ(features("Hello World 2024"), features("hello world 1999"));
  EXPECT_EQ(features("ÉCOLE"), features("école"));
  EXPECT_NE(features("hello world"), features("world hello"));
}

TEST(RouterOptions, ParsesAndRejects) {
  RouterOptions o =
      parse_router_options(YAML::Load("{model: builtin, min_confidence: 0.6}"), "router");
  EXPECT_EQ(o.kind, RouterOptions::Kind::Linear);
  EXPECT_EQ(o.model, "builtin");
  EXPECT_DOUBLE_EQ(o.min_confidence, 0.6);
  o = parse_router_options(YAML::Load("{kind: llm, model: extractor}"), "router");
  EXPECT_EQ(o.kind, RouterOptions::Kind::Llm);
  auto message = [](const std::string& yaml) {
    try {
      parse_router_options(YAML::Load(yaml), "router");
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_EQ(message("{modle: builtin}").rfind("router.modle: unknown key", 0), 0u);
  EXPECT_EQ(message("{min_confidence: 2}").rfind("router.min_confidence: must be", 0), 0u);
  EXPECT_EQ(message("{min_confidence: high}").rfind("router.min_confidence:", 0), 0u);
  EXPECT_EQ(message("{model: my/router.bin}").rfind("router.sha256: is required", 0), 0u);
  EXPECT_EQ(message("{kind: fancy}").rfind("router.kind:", 0), 0u);
  EXPECT_EQ(message("{kind: llm}").rfind("router.model:", 0), 0u);
  EXPECT_EQ(message("[1, 2]").rfind("router: must be a mapping", 0), 0u);
}

}  // namespace
}  // namespace perimeter::router
