// Structured-output speed, our grammar masker side by side with llama.cpp's
// grammar sampler (the baseline), on the demo model (random weights, Qwen2
// 152k vocabulary), runs interleaved, medians printed:
//  1. decode tokens/s: unconstrained, json_object, a two-field schema, each
//     grammar mode with our masker and with llama.cpp's sampler;
//  2. per-token full-mask time (mean, p50, p99, max) of both, over real JSON
//     texts (the JSONSchemaBench instances of the first schemas that compile),
//     at the Qwen2 (152k) and llama-bpe (128k) vocabularies: ours cold (a fresh
//     masker per text) and warm (the masker kept, as the engine keeps it);
//  3. compile time (schema -> GBNF -> parsed rules -> first mask), p50 and p99.
// Not a test: numbers, not assertions.
//
//   bench_grammar [runs=5] [max_tokens=64] [threads=2] [shape=tiny] [texts=60] [ours]
// (runs 0: mask times only; "ours": without llama.cpp's sampler as the baseline)
//   bench_grammar check TEXTS   (every mask of ours against llama.cpp's, slow)
// BENCH_DUMP=PREFIX writes every cold mask time (text, token, us, schema, the
// text before it) to PREFIX.<vocabulary>, and every compile time (schema in
// order, us) to PREFIX.compile.<vocabulary>, to compare runs mask by mask.
// BENCH_ONLY=SCHEMA_ID runs only that schema's text, cold, 300 times and
// prints nothing: a workload for a profiler (perf record).
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_data.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "engine/grammar_check.h"
#include "grammar/grammar.h"
#include "grammar/matcher.h"

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

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

void print_times(const char* what, const std::vector<double>& secs) {
  double sum = 0;
  for (double x : secs) sum += x;
  const double n = secs.empty() ? 1 : static_cast<double>(secs.size());
  std::printf("  %-34s n=%-6zu mean %9.1f  p50 %9.1f  p99 %9.1f  max %9.1f us\n", what, secs.size(),
              1e6 * sum / n, 1e6 * percentile(secs, 0.5), 1e6 * percentile(secs, 0.99),
              1e6 * percentile(secs, 1.0));
}

struct Sample {
  std::string id;  // the JSONSchemaBench schema
  std::string gbnf;
  std::string text;
};

// Valid instances of the first schemas (in file order, all datasets) that
// compile, up to `limit` texts of at most 2 KB.
std::vector<Sample> bench_texts(size_t limit, std::vector<double>* compile_secs,
                                const engine::GrammarChecker& checker) {
  std::vector<Sample> out;
  for (const auto& f : bench::jsonschema_bench_files()) {
    std::ifstream in(f);
    std::string line;
    for (int row = 0; std::getline(in, line) && row < 40; ++row) {
      const auto j = nlohmann::json::parse(line);
      const auto t0 = Clock::now();
      std::string gbnf;
      try {
        gbnf = grammar::schema_to_gbnf(j["schema"], false);
        // Parsing and the first mask are part of what a new schema costs.
        (void)checker.mask_times(gbnf, "", engine::GrammarChecker::MaskBy::Masker);
      } catch (const std::exception&) {
        continue;
      }
      compile_secs->push_back(std::chrono::duration<double>(Clock::now() - t0).count());
      for (const auto& t : j.value("tests", nlohmann::json::array())) {
        const std::string text = t["data"].dump();
        if (!t.value("valid", false) || text.size() > 2048 || out.size() >= limit) continue;
        out.push_back({j.value("id", ""), gbnf, text});
        break;  // one text per schema: spread over schemas
      }
    }
  }
  return out;
}

void mask_times(const char* vocab_name, const std::filesystem::path& vocab, size_t limit,
                bool baseline) {
  engine::GrammarChecker checker(vocab);
  std::vector<double> compile;
  const auto texts = bench_texts(limit, &compile, checker);
  if (const char* dump = std::getenv("BENCH_DUMP")) {
    std::ofstream d(std::string(dump) + ".compile." + vocab.stem().string());
    for (size_t k = 0; k < compile.size(); ++k) d << k << ' ' << compile[k] * 1e6 << '\n';
  }
  std::vector<double> ours_cold, ours_warm, llama;
  struct Slow {
    double secs;
    size_t text, token;
  };
  std::vector<Slow> slowest;  // the cold masks that took longest, to see what they were
  if (const char* only = std::getenv("BENCH_ONLY")) {
    for (int rep = 0; rep < 300; ++rep)
      for (const auto& s : texts)
        if (s.id == only)
          (void)checker.mask_times(s.gbnf, s.text, engine::GrammarChecker::MaskBy::Masker);
    return;
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& s = texts[i];
    if (!checker.masker_accepts(s.gbnf, s.text)) continue;  // e.g. a key order we fix differently
    using By = engine::GrammarChecker::MaskBy;
    for (auto [by, out] :
         {std::pair{By::Masker, &ours_cold}, std::pair{By::MaskerSecondPass, &ours_warm},
          std::pair{By::Llama, &llama}}) {
      if (by == By::Llama && !baseline) continue;
      const auto t = checker.mask_times(s.gbnf, s.text, by);
      out->insert(out->end(), t.begin(), t.end());
      if (by == By::Masker)
        for (size_t k = 0; k < t.size(); ++k) slowest.push_back({t[k], i, k});
    }
  }
  if (const char* dump = std::getenv("BENCH_DUMP")) {
    std::ofstream d(std::string(dump) + "." + vocab.stem().string());
    for (const Slow& s : slowest) {
      const nlohmann::json before = checker.token_prefix(texts[s.text].text, s.token);
      d << s.text << ' ' << s.token << ' ' << s.secs * 1e6 << ' ' << texts[s.text].id << ' '
        << before.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    }
  }
  std::sort(slowest.begin(), slowest.end(),
            [](const Slow& a, const Slow& b) { return a.secs > b.secs; });
  std::printf("\nfull-vocabulary mask time per token, %s vocabulary, %zu JSON texts:\n", vocab_name,
              texts.size());
  print_times("ours, fresh masker per text", ours_cold);
  print_times("ours, same text again (warm)", ours_warm);
  print_times("llama.cpp grammar sampler", llama);
  print_times("compile: schema -> first mask", compile);
  for (size_t k = 0; k < std::min<size_t>(slowest.size(), 8); ++k)
    std::printf("  slowest cold mask %zu: %.1f us, %s, after: ...%s\n", k + 1,
                1e6 * slowest[k].secs, texts[slowest[k].text].id.c_str(),
                [&] {
                  const std::string p =
                      checker.token_prefix(texts[slowest[k].text].text, slowest[k].token);
                  return p.substr(p.size() > 60 ? p.size() - 60 : 0);
                }()
                    .c_str());
}

// Every mask of ours against llama.cpp's on the bench texts (slow: llama.cpp's
// sampler takes milliseconds a mask): a check that the masker's shortcuts
// change no mask, beyond matcher_test's few grammars.
int check_masks(const char* vocab_name, const std::filesystem::path& vocab, size_t limit) {
  engine::GrammarChecker checker(vocab);
  std::vector<double> compile;
  const auto texts = bench_texts(limit, &compile, checker);
  size_t looser = 0, stricter = 0;
  for (const auto& s : texts) {
    const auto d = checker.mask_differences(s.gbnf, s.text);
    looser += d.looser;
    stricter += d.stricter;
    if (d.looser || d.stricter)
      std::printf("  %s: %zu looser, %zu stricter\n", s.id.c_str(), d.looser, d.stricter);
  }
  std::printf("%s, %zu texts: %zu tokens allowed only by ours, %zu only by llama.cpp\n", vocab_name,
              texts.size(), looser, stricter);
  return looser || stricter ? 1 : 0;
}

int main(int argc, char** argv) {
  if (argc > 2 && std::string(argv[1]) == "check") {  // bench_grammar check TEXTS
    const auto n = static_cast<size_t>(std::atoi(argv[2]));
    const auto dir = engine::default_vocab_file().parent_path();
    return check_masks("qwen2", engine::default_vocab_file(), n) |
           check_masks("llama-bpe", dir / "ggml-vocab-llama-bpe.gguf", n);
  }
  const int runs = argc > 1 ? std::atoi(argv[1]) : 5;
  const int max_tokens = argc > 2 ? std::atoi(argv[2]) : 64;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const std::string shape = argc > 4 ? argv[4] : "tiny";
  const size_t n_texts = argc > 5 ? static_cast<size_t>(std::atoi(argv[5])) : 60;
  const bool baseline = !(argc > 6 && std::string(argv[6]) == "ours");

  const auto model = std::filesystem::temp_directory_path() / "perimeter-bench-grammar.gguf";
  engine::EngineOptions o;
  o.name = "demo";
  o.path = model;
  o.sha256 =
      engine::write_demo_model(model, engine::demo_shape(shape), 1, engine::default_vocab_file());
  o.slots = 1;
  o.threads = threads;
  o.context = 1024;
  auto ours = engine::Engine::load(o);
  o.llama_grammar = true;
  auto llama = engine::Engine::load(o);

  const nlohmann::json schema = nlohmann::json::parse(R"({"type":"object",
    "properties":{"name":{"type":"string","maxLength":16},"age":{"type":"integer"}},
    "required":["name","age"],"additionalProperties":false})");
  struct Mode {
    std::string name;
    std::string gbnf;
    engine::Engine* engine;
  };
  const std::vector<Mode> modes = {
      {"unconstrained", "", ours.get()},
      {"json_object, ours", grammar::json_object_gbnf(), ours.get()},
      {"json_object, llama.cpp", grammar::json_object_gbnf(), llama.get()},
      {"schema (2 fields), ours", grammar::schema_to_gbnf(schema, true), ours.get()},
      {"schema (2 fields), llama.cpp", grammar::schema_to_gbnf(schema, true), llama.get()}};

  std::vector<std::vector<double>> rates(modes.size()), tokens(modes.size());
  std::vector<std::string> sample(modes.size());
  for (int i = 0; i < runs; ++i)
    for (size_t m = 0; m < modes.size(); ++m) {
      const Run r = run_one(*modes[m].engine, modes[m].gbnf, 100 + i, max_tokens);
      rates[m].push_back(r.tokens_per_s);
      tokens[m].push_back(r.tokens);
      if (!r.text.empty() && r.finish == FinishReason::Stop) sample[m] = r.text;
      if (sample[m].empty()) sample[m] = r.text;
    }
  std::printf("demo model (%s, qwen2 vocab), %d thread(s), max_tokens %d, %d runs, median\n",
              shape.c_str(), threads, max_tokens, runs);
  std::printf("%-30s %12s %10s %10s\n", "mode", "tokens/s", "x uncons.", "tokens");
  const double base = median(rates[0]);
  for (size_t m = 0; m < modes.size(); ++m)
    std::printf("%-30s %12.1f %10.3f %10.0f\n", modes[m].name.c_str(), median(rates[m]),
                base > 0 ? median(rates[m]) / base : 0, median(tokens[m]));
  std::printf("sample schema answer (ours): %s\n", sample[3].c_str());
  std::filesystem::remove(model);

  mask_times("qwen2 (152k)", engine::default_vocab_file(), n_texts, baseline);
  mask_times("llama-bpe (128k)",
             engine::default_vocab_file().parent_path() / "ggml-vocab-llama-bpe.gguf", n_texts,
             baseline);
}
