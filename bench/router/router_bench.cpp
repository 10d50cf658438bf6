// Latency of one intent classification (the builtin linear router) at 200 B,
// 2 KB and 32 KB of realistic prompt text, pinned to one core. Prints p50,
// p99 and mean in microseconds; never asserts. On a shared machine one run
// is noisy, so it repeats each size RUNS times (default 5) and also prints
// the median of the runs' p50/p99.
//
//   build-*/bench/router/router_bench [model sha256] [RUNS]
#include <sched.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/sha256.h"
#include "router/dataset.h"
#include "router/router.h"

using namespace perimeter::router;

int main(int argc, char** argv) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(0, &set);
  sched_setaffinity(0, sizeof set, &set);  // one core, as the target states

  std::string root = PERIMETER_SOURCE_DIR;
  std::string model = argc > 2 ? argv[1] : root + "/" + std::string(kBuiltinModelPath);
  std::string pin = argc > 2 ? argv[2] : std::string(kBuiltinModelSha256);
  const char* runs_arg = argc == 2 ? argv[1] : argc > 3 ? argv[3] : nullptr;
  const int runs = runs_arg ? std::max(1, std::atoi(runs_arg)) : 5;
  auto clf = load_linear_classifier(model, pin, 0.7);

  // Prompts of each size cut from the labelled data, so the text is realistic.
  std::vector<Example> data = load_examples(root + "/data/router/prompts.jsonl");
  std::string corpus;
  for (const Example& e : data) corpus += e.text + "\n";

  // Wall-clock percentiles include time the core was lent to other processes
  // (preemption on a shared machine); the per-call thread CPU time ("cpu",
  // clock_gettime(CLOCK_THREAD_CPUTIME_ID) around each call, so it includes
  // ~0.1-0.3 us of clock overhead) is the cost of a call without that.
  auto cpu_now = [] {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  };
  std::printf(
      "router_bench  model %s\n"
      "  size   run  wall p50  wall p99 wall mean   cpu p50   cpu p99  cpu mean   calls\n",
      model.c_str());
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  for (size_t size : {size_t{200}, size_t{2048}, size_t{32768}}) {
    std::vector<std::string> prompts;
    for (size_t off = 0; off + size < corpus.size() && prompts.size() < 256; off += 9973)
      prompts.push_back(corpus.substr(off, size));
    const size_t calls = size > 10000 ? 20000 : 100000;
    std::vector<double> us, cpu_us, p50s, p99s, cpu50s, cpu99s, cpus;
    us.reserve(calls);
    cpu_us.reserve(calls);
    volatile double sink = 0;
    for (size_t i = 0; i < 2000; ++i) {  // warm the weights into cache
      Turn t{"user", prompts[i % prompts.size()]};
      sink = sink + clf->classify(std::span<const Turn>(&t, 1)).confidence;
    }
    for (int run = 1; run <= runs; ++run) {
      us.clear();
      cpu_us.clear();
      double cpu0 = cpu_now();
      for (size_t i = 0; i < calls; ++i) {
        Turn t{"user", prompts[i % prompts.size()]};
        double c0 = cpu_now();
        auto t0 = std::chrono::steady_clock::now();
        Classification c = clf->classify(std::span<const Turn>(&t, 1));
        auto t1 = std::chrono::steady_clock::now();
        double c1 = cpu_now();
        sink = sink + c.confidence;
        us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
        cpu_us.push_back(c1 - c0);
      }
      double cpu = (cpu_now() - cpu0) / static_cast<double>(calls);
      double mean = 0;
      for (double x : us) mean += x / static_cast<double>(us.size());
      std::sort(us.begin(), us.end());
      std::sort(cpu_us.begin(), cpu_us.end());
      p50s.push_back(us[us.size() / 2]);
      p99s.push_back(us[us.size() * 99 / 100]);
      cpu50s.push_back(cpu_us[cpu_us.size() / 2]);
      cpu99s.push_back(cpu_us[cpu_us.size() * 99 / 100]);
      cpus.push_back(cpu);
      std::printf("  %6zu  %3d  %8.2f  %8.2f  %8.2f  %8.2f  %8.2f  %8.2f  %6zu\n", size, run,
                  p50s.back(), p99s.back(), mean, cpu50s.back(), cpu99s.back(), cpu, calls);
    }
    std::printf("  %6zu  median of %d runs: wall p50 %.2f p99 %.2f us | cpu p50 %.2f p99 %.2f us\n",
                size, runs, median(p50s), median(p99s), median(cpu50s), median(cpu99s));
  }
  return 0;
}
