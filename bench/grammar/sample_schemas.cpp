// Issue #7's end-to-end check: every JSONSchemaBench schema the compiler
// accepts is sampled once by the embedded engine (tiny demo model, our
// masker), and every answer that finishes with "stop" must validate against
// its schema (valijson). Answers cut by max_tokens ("length") are counted,
// never claimed valid. Not a test: it prints the counts and the failures.
//
//   sample_schemas [max_tokens=256] [max_schemas=0 (all)] [threads=2] [id_filter] [samples=1]
//
// Seeds come from the schema id and the sample number, so a filtered run
// (e.g. one id, many samples) replays what the full run generated.
#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench_data.h"
#include "engine/demo_model.h"
#include "engine/engine.h"
#include "grammar/grammar.h"

using namespace perimeter;
using nlohmann::json;

struct Job {
  std::string id;
  json schema;
  std::string text;
  Completion done;
  bool finished = false;
  uint32_t sample = 0;
};

// FNV-1a: a seed from the schema id that does not depend on which schemas run.
uint32_t seed_of(const std::string& id, uint32_t sample) {
  uint32_t h = 2166136261u;
  for (char c : id) h = (h ^ static_cast<uint8_t>(c)) * 16777619u;
  return (h ^ sample) % 0xFFFFFFFEu;
}

int main(int argc, char** argv) {
  const int max_tokens = argc > 1 ? std::atoi(argv[1]) : 256;
  const size_t max_schemas = argc > 2 ? static_cast<size_t>(std::atoll(argv[2])) : 0;
  const int threads = argc > 3 ? std::atoi(argv[3]) : 2;
  const std::string only = argc > 4 ? argv[4] : "";
  const int samples = argc > 5 ? std::max(1, std::atoi(argv[5])) : 1;

  std::vector<Job> jobs;
  std::map<std::string, int> refused;
  size_t total = 0;
  std::vector<std::string> grammars;
  for (const auto& f : bench::jsonschema_bench_files()) {
    std::ifstream in(f);
    std::string line;
    while (std::getline(in, line)) {
      if (max_schemas && total >= max_schemas) break;
      ++total;
      const json j = json::parse(line);
      const std::string id = j["id"].get<std::string>();
      if (!only.empty() && id.find(only) == std::string::npos) continue;
      try {
        const std::string g = grammar::schema_to_gbnf(j["schema"], false);
        for (int k = 0; k < samples; ++k) {
          grammars.push_back(g);
          jobs.push_back({id, j["schema"], "", {}, false, static_cast<uint32_t>(k)});
        }
      } catch (const std::exception&) {
        ++refused[f.stem().string()];
      }
    }
  }

  const auto model = std::filesystem::temp_directory_path() / "perimeter-sample-schemas.gguf";
  engine::EngineOptions o;
  o.name = "demo";
  o.path = model;
  o.sha256 =
      engine::write_demo_model(model, engine::demo_shape("tiny"), 1, engine::default_vocab_file());
  o.slots = 4;
  o.threads = threads;
  o.context = 2048;
  o.queue = static_cast<int>(jobs.size()) + 1;
  auto e = engine::Engine::load(o);

  std::mutex mu;
  std::condition_variable cv;
  size_t finished = 0;
  std::vector<std::string> errors(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) {
    engine::Sampling s;
    s.temperature = 0.9;
    s.seed = seed_of(jobs[i].id, jobs[i].sample);
    s.max_tokens = max_tokens;
    s.grammar = grammars[i];
    Job* job = &jobs[i];
    try {
      e->submit({{"user", "Answer in JSON."}}, s,
                {[&, job](std::string_view d) {
                   std::lock_guard lk(mu);
                   job->text += d;
                 },
                 [&, job](const Completion& c) {
                   std::lock_guard lk(mu);
                   job->done = c;
                   job->finished = true;
                   ++finished;
                   cv.notify_all();
                 }});
    } catch (const std::exception& ex) {
      std::lock_guard lk(mu);
      errors[i] = ex.what();
      job->finished = true;
      ++finished;
    }
  }
  {
    std::unique_lock lk(mu);
    cv.wait(lk, [&] { return finished == jobs.size(); });
  }
  std::filesystem::remove(model);

  size_t stop = 0, valid = 0, length = 0, failed = 0;
  std::vector<std::string> invalid;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const Job& j = jobs[i];
    if (!errors[i].empty() || j.done.error) {
      ++failed;
      std::printf("error %s: %s\n", j.id.c_str(),
                  errors[i].empty() ? j.done.error->what() : errors[i].c_str());
      continue;
    }
    if (j.done.finish == FinishReason::Length) {
      ++length;
      continue;
    }
    ++stop;
    const auto v = grammar::validate(j.schema, j.text);
    if (v.ok) {
      ++valid;
    } else {
      invalid.push_back(j.id + " (seed " + std::to_string(seed_of(j.id, j.sample)) +
                        "): " + v.error + "\n    " + j.text);
    }
  }
  std::printf("schemas %zu, samples %zu (%d per compiled schema; tiny demo model, max_tokens %d)\n",
              total, jobs.size(), samples, max_tokens);
  std::printf("finished with stop: %zu, of which valid %zu, INVALID %zu\n", stop, valid,
              invalid.size());
  std::printf("cut by max_tokens (length, not claimed valid): %zu; errors: %zu\n", length, failed);
  for (const auto& s : invalid) std::printf("invalid %s\n", s.c_str());
  return invalid.empty() && failed == 0 ? 0 : 1;
}
