// The embedded llama.cpp runtime. All llama.cpp calls in Perimeter live in
// this folder. One Engine = one pinned model file, one llama context shared
// by `slots` sequences that decode together (continuous batching).
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/chat.h"

namespace perimeter::engine {

// A GGUF LoRA adapter to load beside the model, selectable per request.
struct AdapterFile {
  std::string name;
  std::filesystem::path path;
  std::string sha256;  // loading is refused unless the file matches
  float scale = 1;
};

struct EngineOptions {
  std::string name;  // model id, for messages
  std::filesystem::path path;
  std::string sha256;  // loading is refused unless the file matches
  int slots = 2;
  int threads = 0;     // 0 = all cores
  int context = 2048;  // tokens per slot
  int queue = 64;      // requests waiting beyond the busy slots
  std::vector<AdapterFile> adapters;
  // Constrain with llama.cpp's grammar sampler instead of ours: the
  // benchmark's baseline, not for serving.
  bool llama_grammar = false;
  std::function<void(float)> on_progress;  // model load progress in [0, 1]
};

// Fully resolved sampling for one request.
struct Sampling {
  double temperature = 0.8;  // <= 0: greedy
  int top_k = 40;
  double top_p = 0.95;
  double min_p = 0.05;
  uint32_t seed = 0;
  int max_tokens = 256;
  std::vector<std::string> stop;
  std::vector<std::pair<int32_t, float>> logit_bias;
  // GBNF grammar (llama.cpp syntax, start rule `root`) the output must match;
  // empty = unconstrained. Once the grammar is complete only end-of-generation
  // may follow, so a finished match ends the answer with "stop".
  std::string grammar;
  // Name of one of EngineOptions::adapters to decode with; empty = the base model.
  std::string adapter;
};

// Handle on a submitted request; cancel() frees its slot at the next step.
class Ticket {
 public:
  void cancel() { cancelled_.store(true); }
  bool cancelled() const { return cancelled_.load(); }

 private:
  std::atomic<bool> cancelled_{false};
};

struct EngineStats {
  int slots = 0;
  int busy = 0;            // slots decoding now
  int queued = 0;          // requests waiting for a slot
  uint64_t completed = 0;  // answers finished (stop or length) since load
  uint64_t cancelled = 0;  // answers cancelled (client gone) since load
};

class Engine {
 public:
  // Verifies the sha256 of the model and of each adapter against its pin,
  // then loads them. Throws std::runtime_error naming the file and both
  // hashes on mismatch, or naming the file on load failure.
  static std::unique_ptr<Engine> load(const EngineOptions& options);
  virtual ~Engine() = default;

  // Applies the chat template, tokenizes and builds the sampler chain (incl.
  // the grammar) now, so prompt and grammar problems are the caller's error
  // (Error 400); queues the request, or throws Error 503 with code
  // "overloaded" when slots and queue are full. The sink is called from the
  // engine's thread.
  virtual std::shared_ptr<Ticket> submit(const std::vector<Message>& messages,
                                         const Sampling& sampling, AnswerSink sink) = 0;

  // The pinned sha256 of the loaded file.
  virtual const std::string& sha256() const = 0;

  // Number of tokens the vocabulary has (valid logit_bias ids are below it).
  virtual int n_vocab() const = 0;

  // A snapshot of slot use; safe from any thread.
  virtual EngineStats stats() const = 0;
};

// The llama.cpp build this binary links, e.g. "b1-80fb11a".
std::string llama_version();

}  // namespace perimeter::engine
