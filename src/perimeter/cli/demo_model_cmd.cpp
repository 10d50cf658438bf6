#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "engine/demo_model.h"

namespace perimeter::cli {

void add_demo_model_command(CLI::App& app) {
  struct Args {
    std::string out;
    uint64_t seed = 1;
    std::string shape = "tiny";
    std::string vocab;
  };
  auto a = std::make_shared<Args>();
  auto* cmd = app.add_subcommand("demo-model", "Write the deterministic random-weight demo GGUF");
  cmd->add_option("OUT", a->out, "output .gguf file")->required();
  cmd->add_option("--seed", a->seed, "weight seed")->capture_default_str();
  cmd->add_option("--shape", a->shape, "tiny | bench")
      ->check(CLI::IsMember({"tiny", "bench"}))
      ->capture_default_str();
  cmd->add_option("--vocab", a->vocab,
                  "tokenizer GGUF to copy (default: llama.cpp's ggml-vocab-qwen2.gguf)");
  cmd->callback([a] {
    const auto vocab =
        a->vocab.empty() ? engine::default_vocab_file() : std::filesystem::path(a->vocab);
    const std::string sha =
        engine::write_demo_model(a->out, engine::demo_shape(a->shape), a->seed, vocab);
    std::printf("%s  %s\n", sha.c_str(), a->out.c_str());
  });

  struct AdapterArgs {
    std::string out;
    std::string model;
    uint64_t seed = 1;
    int rank = 8;
  };
  auto b = std::make_shared<AdapterArgs>();
  auto* adapter = app.add_subcommand(
      "demo-adapter", "Write a deterministic random LoRA adapter (GGUF) for a model file");
  adapter->add_option("OUT", b->out, "output .gguf file")->required();
  adapter->add_option("--model", b->model, "the GGUF model it adapts (e.g. the demo model)")
      ->required()
      ->check(CLI::ExistingFile);
  adapter->add_option("--seed", b->seed, "weight seed")->capture_default_str();
  adapter->add_option("--rank", b->rank, "LoRA rank")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  adapter->callback([b] {
    const std::string sha = engine::write_demo_adapter(b->out, b->model, b->seed, b->rank);
    std::printf("%s  %s\n", sha.c_str(), b->out.c_str());
  });
}

}  // namespace perimeter::cli
