// Evaluation floors on the shared benchmark data: a regression in detection
// quality fails here. Floors sit just under what the detector reached.
#include <gtest/gtest.h>

#include <filesystem>

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
  auto r = eval_gitleaks(dir + "/gitleaks_cases.jsonl",
                         PERIMETER_SOURCE_DIR "/bench/pii/data/gitleaks_sample_values.txt");
  EXPECT_GE(r.recall(), GITLEAKS_RECALL_FLOOR);
  // Every negative (the headline).
  EXPECT_LE(r.flag_rate(), GITLEAKS_FLAG_CEILING);
  // Negatives that do not carry another rule's valid credential.
  EXPECT_LE(r.strict_flag_rate(), GITLEAKS_STRICT_FLAG_CEILING);
  // ... nor a published sample value that gitleaks allow-lists by exact value.
  EXPECT_LE(r.other_flag_rate(), GITLEAKS_OTHER_FLAG_CEILING);
  // The categories must keep matching the data (a changed data file or list
  // would otherwise shift negatives between them unnoticed).
  EXPECT_EQ(r.cross_negatives, 17);
  EXPECT_EQ(r.sample_negatives, 19);
}

TEST(Corpus, TemplateSentences) {
  auto dir = shared_dir();
  if (HasFailure()) return;
  auto r = eval_templates(dir + "/presidio_research_templates.txt",
                          PERIMETER_SOURCE_DIR "/bench/pii/data", 3, 20240601);
  EXPECT_GE(r.f2(), TEMPLATE_F2_FLOOR);
}

}  // namespace
}  // namespace perimeter::pii_eval
