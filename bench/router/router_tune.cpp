// Trains the linear router with non-default settings and reports dev/test
// macro-F1 and the CPU cost of a 2 KB classification: a tool for choosing
// feature settings without rebuilding the CLI. Never writes the artefact.
//
//   router_tune [key=value ...]   keys: bits word char_min char_max edge head
//                                 tail ngram_window char_word_min epochs lr l2
//                                 norm seed out=FILE (writes the model)
#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "router/dataset.h"
#include "router/features.h"
#include "router/train.h"

using namespace perimeter::router;

int main(int argc, char** argv) {
  TrainOptions o;
  std::string out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    size_t eq = a.find('=');
    if (eq == std::string::npos) return std::fprintf(stderr, "bad arg %s\n", argv[i]), 2;
    std::string k = a.substr(0, eq);
    if (k == "out") {
      out = a.substr(eq + 1);
      continue;
    }
    double v = std::atof(a.c_str() + eq + 1);
    auto u = static_cast<uint32_t>(v);
    if (k == "bits")
      o.features.bucket_bits = u;
    else if (k == "word")
      o.features.word_ngrams = u;
    else if (k == "char_min")
      o.features.char_min = u;
    else if (k == "char_max")
      o.features.char_max = u;
    else if (k == "edge")
      o.features.edge_bytes = u;
    else if (k == "head")
      o.features.head_bytes = u;
    else if (k == "tail")
      o.features.tail_bytes = u;
    else if (k == "ngram_window")
      o.features.ngram_window = u;
    else if (k == "char_word_min")
      o.features.char_word_min = u;
    else if (k == "epochs")
      o.epochs = u;
    else if (k == "lr")
      o.learning_rate = v;
    else if (k == "l2")
      o.l2 = v;
    else if (k == "norm")
      o.norm = a.substr(eq + 1) == "mean" ? Norm::Mean : Norm::Sqrt;
    else if (k == "seed")
      o.seed = u;
    else
      return std::fprintf(stderr, "unknown key %s\n", k.c_str()), 2;
  }
  std::string root = PERIMETER_SOURCE_DIR;
  std::vector<Example> data = load_examples(root + "/data/router/prompts.jsonl");
  TrainResult r = train_linear(data, o);
  auto clf = make_linear_classifier(r.model, 0.7);
  if (!out.empty()) {
    std::string bytes = serialize(r.model);
    std::fwrite(bytes.data(), 1, bytes.size(), std::fopen(out.c_str(), "wb"));
  }
  EvalReport test = evaluate(*clf, select_split(data, Split::Test));
  std::string corpus;
  for (const Example& e : data) corpus += e.text + "\n";
  std::vector<std::string> prompts;
  for (size_t off = 0; off + 2048 < corpus.size() && prompts.size() < 256; off += 9973)
    prompts.push_back(corpus.substr(off, 2048));
  auto cpu = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  double feats = 0;
  for (const std::string& s : prompts) {
    Turn t{"user", s};
    for_each_feature(o.features, std::span<const Turn>(&t, 1),
                     [&](uint32_t, uint32_t) { ++feats; });
  }
  feats /= static_cast<double>(prompts.size());
  volatile double sink = 0;
  const int calls = 30000;
  double t0 = cpu();
  for (int i = 0; i < calls; ++i) {
    Turn t{"user", prompts[static_cast<size_t>(i) % prompts.size()]};
    sink = sink + clf->classify(std::span<const Turn>(&t, 1)).confidence;
  }
  double us = (cpu() - t0) / calls;
  if (std::getenv("ROUTER_TUNE_PER_PROMPT")) {  // the cheapest of 50 calls, per prompt
    std::vector<std::pair<double, size_t>> per;
    for (size_t i = 0; i < prompts.size(); ++i) {
      Turn t{"user", prompts[i]};
      double best = 1e9;
      for (int k = 0; k < 50; ++k) {
        double a = cpu();
        sink = sink + clf->classify(std::span<const Turn>(&t, 1)).confidence;
        best = std::min(best, cpu() - a);
      }
      per.emplace_back(best, i);
    }
    std::sort(per.begin(), per.end());
    for (size_t q :
         {size_t{0}, per.size() / 2, per.size() * 9 / 10, per.size() - 3, per.size() - 1}) {
      std::string s = prompts[per[q].second].substr(0, 100);
      for (char& ch : s)
        if (ch == '\n') ch = ' ';
      std::printf("  rank %3zu  %6.2f us  %s\n", q, per[q].first, s.c_str());
    }
  }
  std::printf(
      "dev F1 %.4f  test F1 %.4f acc %.4f  ece %.4f  nll %.4f  T %.3f  2KB cpu %.2f us %.0f feats "
      "|",
      r.dev.macro_f1, test.macro_f1, test.accuracy, test.ece, test.nll, r.model.temperature, us,
      feats);
  for (int i = 1; i < argc; ++i) std::printf(" %s", argv[i]);
  std::printf("\n");
  if (std::getenv("ROUTER_TUNE_VERBOSE")) {
    std::printf("dev:\n%s\ntest:\n%s", format_report(r.dev).c_str(), format_report(test).c_str());
    for (Split sp : {Split::Dev, Split::Test})
      for (const Example& e : select_split(data, sp)) {
        Classification c = classify_example(*clf, e);
        if (c.intent == e.label) continue;
        std::string t = e.text.substr(0, 150);
        for (char& ch : t)
          if (ch == '\n') ch = ' ';
        std::printf("  %s MISS %s->%s (%.2f) [%s] %s\n", split_name(sp), intent_name(e.label),
                    intent_name(c.intent), c.confidence, e.group.substr(0, 40).c_str(), t.c_str());
      }
  }
  return 0;
}
