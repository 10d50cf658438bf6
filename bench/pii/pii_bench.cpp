// Detector evaluation and performance figures. Not a test: it prints.
//   pii_bench eval [--failures]   Presidio / gitleaks / template figures
//   pii_bench perf [--cpu] [--cold]  throughput and latency (--cpu: thread CPU
//                                 time; --cold: no warm-up scan of each corpus)
//   pii_bench dump FILE           every finding over the corpora, to compare before/after
//   pii_bench scan TEXT           findings for one text (min_confidence 0), for debugging
//   pii_bench files FILE...       one scan of each file as one message (default
//                                 options): time per byte, to check crafted
//                                 inputs stay linear
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "detect/detector.h"
#include "pii_eval.h"

using namespace perimeter;
using pii_eval::corpus_mixed;
using pii_eval::corpus_pii;
using pii_eval::corpus_prose;

namespace {

const std::string kShared = PERIMETER_SHARED_DIR "/bench/pii";

void eval(bool show_failures) {
  auto p = pii_eval::eval_presidio(kShared + "/presidio_cases.jsonl");
  std::printf("== Presidio cases (%d non-NER rows, %d NER rows skipped)\n", p.non_ner.cases,
              p.ner_rows);
  std::printf("%-28s %6s %6s %9s %9s %9s\n", "entity", "cases", "pass", "passrate", "precision",
              "recall");
  for (auto& [e, c] : p.per_entity) {
    bool known = !p.unsupported.count(e);
    std::printf("%-28s %6d %6d %8.1f%% %9.3f %9.3f%s\n", e.c_str(), c.cases, c.passed,
                100 * c.pass_rate(), c.precision(), c.recall(), known ? "" : "  (not supported)");
  }
  std::printf("supported entities: %d/%d = %.1f%%\n", p.supported.passed, p.supported.cases,
              100 * p.supported.pass_rate());
  std::printf("all non-NER rows:   %d/%d = %.1f%%\n", p.non_ner.passed, p.non_ner.cases,
              100 * p.non_ner.pass_rate());
  if (show_failures)
    for (auto& f : p.failures) std::printf("  FAIL %s\n", f.c_str());

  auto g = pii_eval::eval_gitleaks(kShared + "/gitleaks_cases.jsonl");
  std::printf("\n== gitleaks cases\nrecall %d/%d = %.4f   negatives flagged %d/%d = %.2f%%\n",
              g.detected, g.positives, g.recall(), g.flagged, g.negatives, 100 * g.flag_rate());
  std::printf(
      "negatives that carry another rule's credential: %d (flagged %d); "
      "other negatives flagged %d/%d = %.2f%%\n",
      g.cross_negatives, g.cross_flagged, g.flagged - g.cross_flagged,
      g.negatives - g.cross_negatives, 100 * g.strict_flag_rate());
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

// Wall-clock time, or with `perf --cpu` this thread's CPU time: on a shared
// machine the time the scan waited for a core is then left out (what other
// processes do to the caches is not).
bool g_cpu_time = false;
bool g_cold = false;  // perf --cold: no warm-up scan of each corpus

double now_s() {
  if (g_cpu_time) {
    timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double mb_per_s(const detect::Detector& d, const std::string& text, int iters) {
  double t0 = now_s();
  size_t sink = 0;
  for (int i = 0; i < iters; ++i) sink += d.scan({text}).size();
  double s = now_s() - t0;
  if (sink == 12345678) std::puts("");
  return static_cast<double>(text.size()) * iters / s / 1e6;
}

void latency(const detect::Detector& d, const char* label, const std::string& text, int iters) {
  std::vector<double> us;
  for (int i = 0; i < iters; ++i) {
    double t0 = now_s();
    auto f = d.scan({text});
    us.push_back((now_s() - t0) * 1e6);
  }
  std::sort(us.begin(), us.end());
  std::printf("%-34s p50 %8.1f us   p99 %8.1f us\n", label, us[us.size() / 2],
              us[us.size() * 99 / 100]);
}

// PII_BENCH_DISABLE=TYPE,TYPE,... leaves entity types out of `perf`, to see
// what their rules cost ("ids" stands for every national identifier type
// added after the US/UK core); PII_BENCH_GATING=0 scans the rules that need
// a context word over the whole message (DetectorOptions::context_gating).
detect::DetectorOptions perf_options() {
  auto o = detect::default_detector_options();
  const char* gating = std::getenv("PII_BENCH_GATING");
  o.context_gating = !(gating && std::strcmp(gating, "0") == 0);
  const char* env = std::getenv("PII_BENCH_DISABLE");
  std::string list = env ? env : "";
  for (size_t a = 0; a < list.size();) {
    size_t b = std::min(list.find(',', a), list.size());
    std::string t = list.substr(a, b - a);
    if (t == "ids") {
      for (const auto& [e, c] : detect::known_entities()) {
        for (const char* p : {"DE_", "IN_", "KR_", "SG_", "TH_", "ES_", "IT_", "SE_", "AU_", "CA_",
                              "NG_", "ZA_", "PH_", "TR_LICENSE", "UK_VEHICLE"})
          if (e.rfind(p, 0) == 0) o.disabled.insert(e);
      }
    } else if (!t.empty()) {
      o.disabled.insert(t);
    }
    a = b + 1;
  }
  return o;
}

void perf() {
  auto d = detect::Detector::create(perf_options());
  std::mt19937 rng(7);
  std::string prose = corpus_prose(rng, 4 << 20), mixed = corpus_mixed(rng, 4 << 20),
              pii = corpus_pii(rng, 1 << 20);
  // Warm up: one scan of each corpus, so that what is built once per process
  // or thread (the gazetteer, scratch, the phone metadata databases of each
  // region met, per-thread buffers) is not timed: about 17 ms, which a first
  // 1 MB PII-dense scan paid on top of its 23 ms. `perf --cold` skips this
  // and warms up on 4 KB of prose only, as before 2026-11-29.
  if (!g_cold) {
    for (const std::string* c : {&prose, &mixed, &pii}) d->scan({*c});
  } else {
    d->scan({prose.substr(0, 4096)});
  }
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

// Every finding over the shared corpora and the generated perf corpora, under
// three option sets, for checking that an optimisation changes no finding:
//   pii_bench dump before.txt; (change); pii_bench dump after.txt; cmp before.txt after.txt
void dump(const std::string& path) {
  auto def = detect::default_detector_options();
  auto raw = def;  // everything a rule produces, low scores and overlaps included
  raw.min_confidence = 0;
  raw.resolve_overlaps = false;
  auto filtered = def;  // the filter paths
  filtered.allow_domains = {"example.com"};
  filtered.allow_values = {"jane.doe123@example.org", "10.1.2.3"};
  filtered.thresholds = {{"PERSON", 0.7}};
  filtered.disabled = {"URL"};
  std::vector<std::pair<std::string, std::unique_ptr<detect::Detector>>> detectors;
  detectors.emplace_back("def", detect::Detector::create(def));
  detectors.emplace_back("raw", detect::Detector::create(raw));
  detectors.emplace_back("flt", detect::Detector::create(filtered));
  std::vector<std::pair<std::string, std::string>> texts;
  for (const char* file : {"presidio_cases.jsonl", "gitleaks_cases.jsonl"}) {
    std::ifstream in(kShared + "/" + file);
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) {
      if (line.empty()) continue;
      std::string label(1, file[0]);
      label += std::to_string(i);
      texts.emplace_back(label, nlohmann::json::parse(line)["text"].get<std::string>());
    }
  }
  {
    std::ifstream in(kShared + "/presidio_research_templates.txt");
    std::string line;
    for (int i = 0; std::getline(in, line); ++i) texts.emplace_back('t' + std::to_string(i), line);
  }
  std::mt19937 rng(7);  // the perf corpora
  texts.emplace_back("prose", corpus_prose(rng, 4 << 20));
  texts.emplace_back("mixed", corpus_mixed(rng, 4 << 20));
  texts.emplace_back("pii", corpus_pii(rng, 1 << 20));
  std::string out;
  for (auto& [name, d] : detectors) {
    for (auto& [label, text] : texts) {
      std::string l = name;
      l += ' ';
      l += label;
      pii_eval::dump_findings(*d, l, text, out);
    }
  }
  std::ofstream(path) << out;
  std::printf("%zu texts, %zu bytes of findings, fnv1a %016llx\n", texts.size(), out.size(),
              static_cast<unsigned long long>(pii_eval::fnv1a(out)));
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
  if (mode == "files") {
    auto d = detect::Detector::create(detect::default_detector_options());
    for (int a = 2; a < argc; ++a) {
      std::ifstream in(argv[a], std::ios::binary);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      double t0 = now_s();
      size_t n = d->scan({text}).size();
      double s = now_s() - t0;
      std::printf("%-32s %10zu bytes %8.3f s %7.3f us/byte %9zu findings\n", argv[a], text.size(),
                  s, text.empty() ? 0.0 : s * 1e6 / static_cast<double>(text.size()), n);
    }
    return 0;
  }
  if (mode == "profile" && argc > 2) {  // one corpus in a loop, for perf record
    auto d = detect::Detector::create(perf_options());
    std::mt19937 rng(7);
    std::string which = argv[2];
    std::string text = which == "prose"   ? corpus_prose(rng, 1 << 20)
                       : which == "mixed" ? corpus_mixed(rng, 1 << 20)
                                          : corpus_pii(rng, 1 << 20);
    std::printf("%s %8.1f MB/s\n", which.c_str(),
                mb_per_s(*d, text, argc > 3 ? std::atoi(argv[3]) : 20));
    return 0;
  }
  if (mode == "dump" && argc > 2) {
    dump(argv[2]);
    return 0;
  }
  if (mode == "eval" || mode == "all") eval(failures);
  for (int a = 2; mode == "perf" && a < argc; ++a) {
    g_cpu_time = g_cpu_time || std::strcmp(argv[a], "--cpu") == 0;
    g_cold = g_cold || std::strcmp(argv[a], "--cold") == 0;
  }
  if (mode == "perf" || mode == "all") perf();
  return 0;
}
