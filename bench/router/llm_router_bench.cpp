// Latency of one LLM-router classification (router.kind: llm): the last user
// message sent to an embedded model with the three-label grammar, greedy,
// waiting for the label. Prompts of 200 B and 2 KB cut from the router data.
// By default it writes and uses the demo model (`tiny`, or `bench` with
// --shape bench); --model/--sha256 point it at a real GGUF. Prints p50, p99
// and mean in milliseconds; never asserts.
//
//   build-*/bench/router/llm_router_bench [--shape tiny|bench] [--calls N]
//       [--threads N] [--context N] [--model PATH --sha256 HEX]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "analyze/llm_router.h"
#include "backends/embedded.h"
#include "engine/demo_model.h"
#include "router/dataset.h"

using namespace perimeter;

int main(int argc, char** argv) {
  std::map<std::string, std::string> args = {
      {"--shape", "tiny"}, {"--calls", "30"}, {"--threads", "2"}, {"--context", "2048"}};
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  const int calls = std::max(1, std::atoi(args["--calls"].c_str()));

  config::Model m;
  m.id = "router";
  m.engine = "embedded";
  m.slots = 1;
  m.threads = std::atoi(args["--threads"].c_str());
  m.context = std::atoi(args["--context"].c_str());
  if (args.count("--model")) {
    m.path = args["--model"];
    m.sha256 = args["--sha256"];
  } else {
    m.path = std::filesystem::temp_directory_path() /
             ("perimeter-llm-router-bench-" + args["--shape"] + ".gguf");
    m.sha256 = engine::write_demo_model(m.path, engine::demo_shape(args["--shape"]), 1,
                                        engine::default_vocab_file());
  }
  auto t_load = std::chrono::steady_clock::now();
  backends::EmbeddedBackend backend(m, nullptr);
  const double load_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t_load).count();

  analyze::LlmRouterOptions o;
  o.model = m.id;
  o.context = m.context;
  o.timeout = std::chrono::seconds(120);
  backends::Backend* b = &backend;
  analyze::LlmClassifier clf(o, [b](const std::string&) { return b; });

  std::vector<router::Example> data =
      router::load_examples(std::string(PERIMETER_SOURCE_DIR) + "/data/router/prompts.jsonl");
  std::string corpus;
  for (const auto& e : data) corpus += e.text + "\n";

  std::printf("llm_router_bench  model %s  threads %d  context %d  load %.0f ms\n", m.path.c_str(),
              m.threads, m.context, load_ms);
  std::printf("  size   p50 ms   p99 ms  mean ms  calls  answered  labels(pf/se/cr)\n");
  for (size_t size : {size_t{200}, size_t{2048}}) {
    std::vector<double> ms;
    int counts[3] = {0, 0, 0};
    const auto before = clf.stats().answered;
    for (int i = 0; i < calls; ++i) {
      const size_t at = (static_cast<size_t>(i) * 7919 * size) % (corpus.size() - size);
      const std::string text = corpus.substr(at, size);
      const router::Turn turn{"user", text};
      const auto t0 = std::chrono::steady_clock::now();
      const auto c = clf.classify({&turn, 1});
      ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      ++counts[static_cast<int>(c.intent)];
    }
    std::sort(ms.begin(), ms.end());
    double mean = 0;
    for (double x : ms) mean += x / static_cast<double>(ms.size());
    const size_t p99 = std::min(ms.size() - 1, static_cast<size_t>(0.99 * ms.size()));
    std::printf("%6zu %8.1f %8.1f %8.1f %6d %9llu  %d/%d/%d\n", size, ms[ms.size() / 2], ms[p99],
                mean, calls, static_cast<unsigned long long>(clf.stats().answered - before),
                counts[0], counts[1], counts[2]);
  }
  const auto s = clf.stats();
  std::printf("retried %llu  failed %llu  timed out %llu\n",
              static_cast<unsigned long long>(s.retried), static_cast<unsigned long long>(s.failed),
              static_cast<unsigned long long>(s.timed_out));
}
