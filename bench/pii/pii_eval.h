// Evaluation of the detector on the shared benchmark data (Presidio test
// cases, gitleaks rule cases, template sentences filled with our own fake
// values). Used by bench/pii (prints figures) and tests/detect (keeps floors).
#pragma once

#include <cstdint>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "detect/detector.h"

namespace perimeter::pii_eval {

struct Counts {
  int cases = 0, passed = 0;
  int tp = 0, fp = 0, fn = 0;
  double pass_rate() const { return cases ? static_cast<double>(passed) / cases : 0; }
  double precision() const { return tp + fp ? static_cast<double>(tp) / (tp + fp) : 1; }
  double recall() const { return tp + fn ? static_cast<double>(tp) / (tp + fn) : 1; }
};

struct PresidioReport {
  std::map<std::string, Counts> per_entity;  // analyze + context_boost + validate rows
  Counts supported;                          // rows whose entity this detector knows
  Counts non_ner;    // all rows except the NER-model ones (unknown entities count as failed)
  int ner_rows = 0;  // rows skipped: they need an NER model
  std::set<std::string> unsupported;  // labels of rows whose entity this detector does not know
  std::vector<std::string> failures;  // "ENTITY | text | why", for tuning
};

// Runs every row of presidio_cases.jsonl. Offsets are converted from code
// points to bytes. A row passes when the findings of its entity type match
// the expected count and spans exactly (scores are not compared; the
// detector runs with min_confidence 0 and overlaps kept, as Presidio's
// recognizer tests do).
PresidioReport eval_presidio(const std::string& path);

struct GitleaksReport {
  int positives = 0, detected = 0, negatives = 0, flagged = 0;
  // Every negative counts in flag_rate(), the headline. Negatives whose text
  // contains a positive row of another gitleaks rule ("cross") hold a live
  // credential's exact format, so flagging them is right for a gateway, which
  // asks "is there a credential", not "is it rule X"; strict_flag_rate()
  // leaves them out.
  int cross_negatives = 0, cross_flagged = 0;
  double strict_flag_rate() const {
    int n = negatives - cross_negatives;
    return n ? static_cast<double>(flagged - cross_flagged) / n : 0;
  }
  std::map<std::string, Counts> per_rule;  // tp = detected positives, fp = flagged negatives
  std::vector<std::string> misses;         // rule | text of undetected positives
  std::vector<std::string> false_flags;    // [kind] rule | text of flagged negatives
  double recall() const { return positives ? static_cast<double>(detected) / positives : 0; }
  double flag_rate() const { return negatives ? static_cast<double>(flagged) / negatives : 0; }
};

// A positive row is detected when the default detector reports any SECRET
// category finding in it; a negative row is flagged when it does.
GitleaksReport eval_gitleaks(const std::string& path);

struct TemplateReport {
  std::map<std::string, Counts> per_entity;
  Counts total;
  int sentences = 0;
  double f2() const {
    double p = total.precision(), r = total.recall();
    return p + r > 0 ? 5 * p * r / (4 * p + r) : 0;
  }
  std::vector<std::string> errors;  // for tuning
};

// Fills each template `repeats` times with seeded fake values (names from
// bench/pii/data, generated numbers with valid checksums) and scores the
// default detector's spans: a match needs the same entity type and overlap
// >= 0.75 of the longer span.
TemplateReport eval_templates(const std::string& templates_path, const std::string& names_dir,
                              int repeats, unsigned seed);

// Generated corpora for the performance figures and the findings check,
// deterministic for a given generator state: prose without hits, a mix of
// code, logs, clinical notes and prose, and PII-dense text (3-4 entities per
// 80 bytes, digits drawn fresh each time).
std::string corpus_prose(std::mt19937& rng, size_t n);
std::string corpus_mixed(std::mt19937& rng, size_t n);
std::string corpus_pii(std::mt19937& rng, size_t n);

// Every finding of `d` in `text` scanned as one message, one line each:
// "<label> <type> <category> <message> <start> <end> <confidence as %a> <detector>".
// Byte-identical dumps mean identical findings (exact confidences included).
void dump_findings(const detect::Detector& d, const std::string& label, const std::string& text,
                   std::string& out);

// FNV-1a, for golden hashes of dumps.
uint64_t fnv1a(const std::string& s);

}  // namespace perimeter::pii_eval
