// Evaluation floors on the shared benchmark data: a regression in detection
// quality fails here. Floors sit just under what the detector reached.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>

#include <fstream>
#include <nlohmann/json.hpp>

#include "detect/rules.h"
#include "pii_eval.h"

namespace perimeter::pii_eval {
namespace {

std::string shared_dir() {
  std::string dir = PERIMETER_SHARED_DIR "/bench/pii";
  if (!std::filesystem::exists(dir + "/presidio_cases.jsonl")) {
    ADD_FAILURE() << "benchmark data missing: " << dir
                  << " (CI provides ../shared next to the checkout)";
  }
  return dir;
}

TEST(Corpus, PresidioCases) {
  auto dir = shared_dir();
  if (HasFailure()) return;
  auto r = eval_presidio(dir + "/presidio_cases.jsonl");
  EXPECT_GE(r.supported.pass_rate(), PRESIDIO_SUPPORTED_FLOOR);
  EXPECT_GE(r.non_ner.pass_rate(), PRESIDIO_ALL_FLOOR);
}

TEST(Corpus, GitleaksCases) {
  auto dir = shared_dir();
  if (HasFailure()) return;
  auto r = eval_gitleaks(dir + "/gitleaks_cases.jsonl");
  EXPECT_GE(r.recall(), GITLEAKS_RECALL_FLOOR);
  // Every negative (the headline).
  EXPECT_LE(r.flag_rate(), GITLEAKS_FLAG_CEILING);
  // Negatives that do not carry another rule's valid credential.
  EXPECT_LE(r.strict_flag_rate(), GITLEAKS_STRICT_FLAG_CEILING);
  // The category must keep matching the data (a changed data file would
  // otherwise shift negatives between the rates unnoticed).
  EXPECT_EQ(r.cross_negatives, 17);
}

TEST(Corpus, TemplateSentences) {
  auto dir = shared_dir();
  if (HasFailure()) return;
  auto r = eval_templates(dir + "/presidio_research_templates.txt",
                          PERIMETER_SOURCE_DIR "/bench/pii/data", 3, 20240601);
  EXPECT_GE(r.f2(), TEMPLATE_F2_FLOOR);
}

// Golden hash of every finding (type, category, message, start, end, exact
// confidence, detector) over fixed seeded generated corpora, with default
// options and with everything a rule produces (min_confidence 0, overlaps
// kept). Performance work must leave it unchanged; a change that is meant to
// alter findings updates the hash and says so (`pii_bench dump` shows which).
TEST(Corpus, FindingsGoldenHash) {
  std::mt19937 rng(11);
  std::string pii = corpus_pii(rng, 192 << 10), mixed = corpus_mixed(rng, 64 << 10);
  auto def = detect::default_detector_options();
  auto raw = def;
  raw.min_confidence = 0;
  raw.resolve_overlaps = false;
  std::string out;
  for (const auto& opt : {def, raw}) {
    auto d = detect::Detector::create(opt);
    dump_findings(*d, "pii", pii, out);
    dump_findings(*d, "mixed", mixed, out);
    // 2 KB messages: the prompt size of the latency figures
    for (size_t i = 0; i < pii.size(); i += 2048)
      dump_findings(*d, "p2k", pii.substr(i, 2048), out);
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(fnv1a(out)));
  EXPECT_EQ(std::string(hex), "a4e55c046bb122bb") << out.size() << " bytes of findings";
}

// Rules that need a context word are scanned only around their context
// words (Rule::needs_context). Text dense with those words and with digit
// groups of every shape, and the Presidio texts, must give the findings a
// whole-message scan gives.
TEST(Corpus, ContextGatingFindsWhatAWholeScanFinds) {
  std::vector<std::string> words;
  for (auto* make :
       {detect::internal::pii_rules, detect::internal::de_id_rules, detect::internal::asia_id_rules,
        detect::internal::eu_id_rules, detect::internal::world_id_rules}) {
    for (const auto& r : make())
      if (r.needs_context) words.insert(words.end(), r.context.begin(), r.context.end());
  }
  ASSERT_FALSE(words.empty());
  std::mt19937 rng(5);
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  std::vector<std::string> texts;
  for (int t = 0; t < 400; ++t) {
    std::string s;
    const size_t len = 64 + pick(3000);
    while (s.size() < len) {
      switch (pick(6)) {
        case 0:  // a word, sometimes glued to letters or digits
          if (pick(4) == 0) s += "xa1"[pick(3)];
          s += words[pick(words.size())];
          if (pick(4) == 0) s += "yb2"[pick(3)];
          break;
        case 1:
        case 2:  // a digit group, sometimes with separators and letters around
          for (size_t k = 3 + pick(12); k > 0; --k) {
            s += static_cast<char>('0' + pick(10));
            if (pick(5) == 0) s += " -./"[pick(4)];
          }
          break;
        case 3:
          for (size_t k = 1 + pick(3); k > 0; --k) s += static_cast<char>('A' + pick(26));
          break;
        case 4:
          s += std::string(pick(90), ' ');
          break;
        default:
          s += ": ";
      }
      s += ' ';
    }
    texts.push_back(s);
  }
  auto dir = shared_dir();
  if (HasFailure()) return;
  std::ifstream in(dir + "/presidio_cases.jsonl");
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line)["text"]);
  auto on = detect::default_detector_options(), off = on;
  off.context_gating = false;
  auto gated = detect::Detector::create(on), whole = detect::Detector::create(off);
  std::string a, b;
  size_t findings = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const std::string label = std::to_string(i);
    dump_findings(*gated, label, texts[i], a);
    dump_findings(*whole, label, texts[i], b);
    findings += whole->scan({texts[i]}).size();
  }
  EXPECT_GT(findings, 1000u);
  EXPECT_EQ(a, b);
}

}  // namespace
}  // namespace perimeter::pii_eval
