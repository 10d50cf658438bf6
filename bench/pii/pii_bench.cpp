// Detector evaluation and performance figures. Not a test: it prints.
//   pii_bench eval [--failures]   Presidio / gitleaks / template figures
//   pii_bench perf                throughput and latency
//   pii_bench scan TEXT           findings for one text (min_confidence 0), for debugging
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "detect/detector.h"
#include "pii_eval.h"

using namespace perimeter;

namespace {

const std::string kShared = PERIMETER_SHARED_DIR "/bench/pii";

void eval(bool show_failures) {
  auto p = pii_eval::eval_presidio(kShared + "/presidio_cases.jsonl");
  std::printf("== Presidio cases (%d non-NER rows, %d NER rows skipped)\n", p.non_ner.cases,
              p.ner_rows);
  std::printf("%-28s %6s %6s %9s %9s %9s\n", "entity", "cases", "pass", "passrate", "precision",
              "recall");
  for (auto& [e, c] : p.per_entity) {
    bool known = detect::known_entities().count(e) > 0;
    std::printf("%-28s %6d %6d %8.1f%% %9.3f %9.3f%s\n", e.c_str(), c.cases, c.passed,
                100 * c.pass_rate(), c.precision(), c.recall(), known ? "" : "  (not supported)");
  }
  std::printf("supported entities: %d/%d = %.1f%%\n", p.supported.passed, p.supported.cases,
              100 * p.supported.pass_rate());
  std::printf("all non-NER rows:   %d/%d = %.1f%%\n", p.non_ner.passed, p.non_ner.cases,
              100 * p.non_ner.pass_rate());
  if (show_failures)
    for (auto& f : p.failures) std::printf("  FAIL %s\n", f.c_str());

  auto g = pii_eval::eval_gitleaks(kShared + "/gitleaks_cases.jsonl", PERIMETER_SOURCE_DIR
                                   "/bench/pii/data/gitleaks_sample_values.txt");
  std::printf("\n== gitleaks cases\nrecall %d/%d = %.4f   negatives flagged %d/%d = %.2f%%\n",
              g.detected, g.positives, g.recall(), g.flagged, g.negatives, 100 * g.flag_rate());
  std::printf(
      "negatives that carry another rule's credential: %d (flagged %d); "
      "other negatives flagged %d/%d = %.2f%%\n",
      g.cross_negatives, g.cross_flagged, g.flagged - g.cross_flagged,
      g.negatives - g.cross_negatives, 100 * g.strict_flag_rate());
  std::printf(
      "of those, published sample values gitleaks allow-lists by exact value: %d (flagged %d); "
      "remaining negatives flagged %d/%d = %.2f%%\n",
      g.sample_negatives, g.sample_flagged, g.other_flagged(), g.other_negatives(),
      100 * g.other_flag_rate());
  int full = 0;
  for (auto& [r, c] : g.per_rule) full += c.fn == 0 && c.fp == 0;
  std::printf("rules with no miss and no false flag: %d/%zu\n", full, g.per_rule.size());
  if (show_failures) {
    for (auto& m : g.misses) std::printf("  MISS %s\n", m.c_str());
    for (auto& m : g.false_flags) std::printf("  FLAG %s\n", m.c_str());
  }

  auto t = pii_eval::eval_templates(kShared + "/presidio_research_templates.txt",
                                    PERIMETER_SOURCE_DIR "/bench/pii/data", 10, 20240601);
  std::printf("\n== template sentences (%d, overlap >= 0.75)\n", t.sentences);
  std::printf("%-20s %6s %6s %6s %9s %9s\n", "entity", "tp", "fp", "fn", "precision", "recall");
  for (auto& [e, c] : t.per_entity) {
    std::printf("%-20s %6d %6d %6d %9.3f %9.3f\n", e.c_str(), c.tp, c.fp, c.fn, c.precision(),
                c.recall());
  }
  std::printf("total: precision %.4f recall %.4f F2 %.4f\n", t.total.precision(), t.total.recall(),
              t.f2());
  if (show_failures)
    for (auto& e : t.errors) std::printf("  %s\n", e.c_str());
}

std::string corpus_prose(std::mt19937& rng, size_t n) {
  static const char* kWords[] = {
      "the",    "system",   "should", "respond", "within", "a",       "reasonable", "time",
      "and",    "we",       "expect", "results", "to",     "be",      "accurate",   "for",
      "every",  "request",  "that",   "users",   "send",   "through", "gateway",    "model",
      "answer", "question", "about",  "history", "of",     "science", "in",         "Europe",
      "during", "century",  "which",  "was"};
  std::string s;
  while (s.size() < n) {
    s += kWords[rng() % std::size(kWords)];
    s += (rng() % 12 == 0) ? ". " : " ";
  }
  return s.substr(0, n);
}

std::string corpus_mixed(std::mt19937& rng, size_t n) {
  static const char* kChunks[] = {
      "Please summarise the meeting notes from yesterday and list the action items. ",
      "for (int i = 0; i < n; ++i) {\n  total += values[i] * weights[i];\n}\n",
      "2024-03-15T14:30:00Z INFO request_id=8f3a2c served in 12ms status=200 path=/v1/chat\n",
      "Pt presented with chest pain, BP 140/90, started on aspirin 81 mg daily. Follow-up in 2 "
      "weeks. ",
      "The quarterly revenue grew by 12 percent compared to the previous period. ",
      "def handler(event):\n    return {'statusCode': 200, 'body': json.dumps(event)}\n",
  };
  std::string s;
  while (s.size() < n) s += kChunks[rng() % std::size(kChunks)];
  return s.substr(0, n);
}

// PII-dense text with fresh values each time (digits 'N' randomised), so no
// cache or branch predictor gets to see the same number twice.
std::string corpus_pii(std::mt19937& rng, size_t n) {
  static const char* kChunks[] = {
      "Patient: Maria Gonzalez, DOB 03/1N/19NN, MRN: 00NNNNNN, phone (415) 5NN-NNNN. ",
      "Contact jane.doeNNN@example.org or call +44 20 7NNN NNNN about order NNNN-NNNN. ",
      "My SSN is 1NN-NN-NNNN and my IBAN is GB82 WEST 1234 5698 7654 32. ",
      "export AWS_ACCESS_KEY_ID=AKIAQ3EGRUVW5XKZ7M2P\ndb_password = \"q8Zr3kP0xVbNLmNNwT5y\"\n",
      "Server 10.1.N.N and 2001:db8::N were contacted by Dr. Smith at NNNN Pennsylvania Avenue. ",
  };
  std::string s;
  while (s.size() < n) {
    std::string c = kChunks[rng() % std::size(kChunks)];
    for (char& ch : c) {
      if (ch == 'N') ch = static_cast<char>('0' + rng() % 10);
    }
    s += c;
  }
  return s.substr(0, n);
}

double mb_per_s(const detect::Detector& d, const std::string& text, int iters) {
  auto t0 = std::chrono::steady_clock::now();
  size_t sink = 0;
  for (int i = 0; i < iters; ++i) sink += d.scan({text}).size();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (sink == 12345678) std::puts("");
  return static_cast<double>(text.size()) * iters / s / 1e6;
}

void latency(const detect::Detector& d, const char* label, const std::string& text, int iters) {
  std::vector<double> us;
  for (int i = 0; i < iters; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    auto f = d.scan({text});
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(us.begin(), us.end());
  std::printf("%-34s p50 %8.1f us   p99 %8.1f us\n", label, us[us.size() / 2],
              us[us.size() * 99 / 100]);
}

void perf() {
  auto d = detect::Detector::create(detect::default_detector_options());
  std::mt19937 rng(7);
  std::string prose = corpus_prose(rng, 4 << 20), mixed = corpus_mixed(rng, 4 << 20),
              pii = corpus_pii(rng, 1 << 20);
  d->scan({prose.substr(0, 4096)});  // warm up (lazy gazetteer, scratch)
  std::printf("== throughput, one thread (MB/s/core)\n");
  std::printf("prose without hits   %8.1f\n", mb_per_s(*d, prose, 5));
  std::printf("mixed (code/logs/clinical/prose) %8.1f\n", mb_per_s(*d, mixed, 5));
  std::printf("PII-dense            %8.1f\n", mb_per_s(*d, pii, 5));
  std::printf("== latency per scan\n");
  latency(*d, "2 KB prose", prose.substr(0, 2048), 20000);
  latency(*d, "2 KB mixed", mixed.substr(0, 2048), 20000);
  latency(*d, "2 KB PII-dense", pii.substr(0, 2048), 5000);
  latency(*d, "32 KB prose", prose.substr(0, 32768), 2000);
  latency(*d, "32 KB mixed", mixed.substr(0, 32768), 2000);
  latency(*d, "32 KB PII-dense", pii.substr(0, 32768), 500);
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode = argc > 1 ? argv[1] : "all";
  bool failures = argc > 2 && std::strcmp(argv[2], "--failures") == 0;
  if (mode == "scan" && argc > 2) {
    auto opt = detect::default_detector_options();
    opt.min_confidence = 0;
    auto d = detect::Detector::create(opt);
    std::string text = argv[2];
    for (const auto& f : d->scan({text})) {
      std::printf("%-18s %-24s %.2f [%zu,%zu) %s\n", f.type.c_str(), f.detector.c_str(),
                  f.confidence, f.start, f.end, text.substr(f.start, f.end - f.start).c_str());
    }
    return 0;
  }
  if (mode == "profile" && argc > 2) {  // one corpus in a loop, for perf record
    auto d = detect::Detector::create(detect::default_detector_options());
    std::mt19937 rng(7);
    std::string which = argv[2];
    std::string text = which == "prose"   ? corpus_prose(rng, 1 << 20)
                       : which == "mixed" ? corpus_mixed(rng, 1 << 20)
                                          : corpus_pii(rng, 1 << 20);
    std::printf("%s %8.1f MB/s\n", which.c_str(),
                mb_per_s(*d, text, argc > 3 ? std::atoi(argv[3]) : 20));
    return 0;
  }
  if (mode == "eval" || mode == "all") eval(failures);
  if (mode == "perf" || mode == "all") perf();
  return 0;
}
