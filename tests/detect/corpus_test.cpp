// Evaluation floors on the shared benchmark data: a regression in detection
// quality fails here. Floors sit just under what the detector reached.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <random>

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
  EXPECT_EQ(std::string(hex), "2dc30448e7d1bed7") << out.size() << " bytes of findings";
}

}  // namespace
}  // namespace perimeter::pii_eval
