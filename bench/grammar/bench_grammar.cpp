// Decode speed of the embedded engine with structured output: unconstrained
// vs response_format json_object vs a two-field JSON schema, on the demo model
// (random weights, Qwen2 152k vocabulary), runs interleaved, medians printed
// side by side; plus the full-vocabulary mask time per token of llama.cpp's
// grammar sampler for each grammar. Not a test: numbers, not assertions.
//
//   bench_grammar [runs=5] [max_tokens=64] [threads=2]
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/demo_model.h"
#include "engine/engine.h"
#include "engine/grammar_check.h"
#include "grammar/grammar.h"

using namespace perimeter;
using Clock = std::chrono::steady_clock;

struct Run {
  double tokens_per_s = 0;
  int tokens = 0;
  std::string text;
  FinishReason finish = FinishReason::Stop;
};

// Decode rate: tokens after the first over the time from first delta to done,
// so prompt processing is left out.
Run run_one(engine::Engine& e, const std::string& gbnf, uint32_t seed, int max_tokens) {
  engine::Sampling s;
  s.temperature = 0.9;
  s.seed = seed;
  s.max_tokens = max_tokens;
  s.grammar = gbnf;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Clock::time_point first{}, last{};
  Run r;
  e.submit({{"user", "Who are you? Answer in JSON."}}, s,
           {[&](std::string_view d) {
              std::lock_guard lk(mu);
              if (first == Clock::time_point{}) first = Clock::now();
              r.text += d;
            },
            [&](const Completion& c) {
              std::lock_guard lk(mu);
              last = Clock::now();
              r.tokens = c.usage.completion_tokens;
              r.finish = c.finish;
              done = true;
              cv.notify_all();
            }});
  std::unique_lock lk(mu);
  cv.wait(lk, [&] { return done; });
  const double secs = std::chrono::duration<double>(last - first).count();
  r.tokens_per_s = r.tokens > 1 && secs > 0 ? (r.tokens - 1) / secs : 0;
  return r;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

int main(int argc, char** argv) {
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  const int max_tokens = argc > 2 ? std::atoi(argv[2]) : 64;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;

  const auto model = std::filesystem::temp_directory_path() / "perimeter-bench-grammar.gguf";
  engine::EngineOptions o;
  o.name = "demo";
  o.path = model;
  o.sha256 =
      engine::write_demo_model(model, engine::demo_shape("tiny"), 1, engine::default_vocab_file());
  o.slots = 1;
  o.threads = threads;
  o.context = 1024;
  auto e = engine::Engine::load(o);

  const nlohmann::json schema = nlohmann::json::parse(R"({"type":"object",
    "properties":{"name":{"type":"string","maxLength":16},"age":{"type":"integer"}},
    "required":["name","age"],"additionalProperties":false})");
  const std::vector<std::pair<std::string, std::string>> modes = {
      {"unconstrained", ""},
      {"json_object", grammar::json_object_gbnf()},
      {"schema (2 fields)", grammar::schema_to_gbnf(schema, true)}};

  std::vector<std::vector<double>> rates(modes.size()), tokens(modes.size());
  std::vector<std::string> sample(modes.size());
  for (int i = 0; i < runs; ++i)
    for (size_t m = 0; m < modes.size(); ++m) {
      const Run r = run_one(*e, modes[m].second, 100 + i, max_tokens);
      rates[m].push_back(r.tokens_per_s);
      tokens[m].push_back(r.tokens);
      if (!r.text.empty() && r.finish == FinishReason::Stop) sample[m] = r.text;
      if (sample[m].empty()) sample[m] = r.text;
    }

  // Mask time: llama.cpp's grammar over all 152k candidates for each token of
  // a real answer (what the engine pays whenever the sampled token is refused).
  engine::GrammarChecker checker(engine::default_vocab_file());
  std::printf("demo model (tiny, qwen2 vocab), %d thread(s), max_tokens %d, %d runs, median\n",
              threads, max_tokens, runs);
  std::printf("%-20s %12s %10s %10s %14s\n", "mode", "tokens/s", "x uncons.", "tokens",
              "mask ms/token");
  const double base = median(rates[0]);
  for (size_t m = 0; m < modes.size(); ++m) {
    std::string mask = "-";
    if (!modes[m].second.empty()) {
      int n = 0;
      const double secs = checker.mask_seconds(modes[m].second, sample[m], &n);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.2f", n > 0 && secs >= 0 ? 1000 * secs / n : -1.0);
      mask = buf;
    }
    std::printf("%-20s %12.1f %10.3f %10.0f %14s\n", modes[m].first.c_str(), median(rates[m]),
                base > 0 ? median(rates[m]) / base : 0, median(tokens[m]), mask.c_str());
  }
  std::printf("sample schema answer: %s\n", sample[2].c_str());
  std::filesystem::remove(model);
}
