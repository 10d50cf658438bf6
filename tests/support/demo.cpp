#include "support/demo.h"

#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "core/sha256.h"
#include "engine/demo_model.h"

namespace perimeter::testing {
namespace {

struct Demo {
  std::filesystem::path path;
  std::string sha;
};

const Demo& demo() {
  static Demo d;
  static std::once_flag once;
  std::call_once(once, [] {
    std::filesystem::path dir = std::filesystem::path(PERIMETER_BINARY_DIR) / "test-models";
    std::filesystem::create_directories(dir);
    d.path = dir / "tiny-seed1.gguf";
    if (!std::filesystem::exists(d.path))
      engine::write_demo_model(d.path, engine::demo_shape("tiny"), 1, engine::default_vocab_file());
    d.sha = sha256_file(d.path);
  });
  return d;
}

const Demo& adapter(uint64_t seed) {
  static std::mutex mu;
  static std::map<uint64_t, Demo> made;
  std::lock_guard lk(mu);
  auto [it, fresh] = made.try_emplace(seed);
  if (fresh) {
    Demo& d = it->second;
    d.path = std::filesystem::path(PERIMETER_BINARY_DIR) / "test-models" /
             ("tiny-seed1-lora-seed" + std::to_string(seed) + ".gguf");
    d.sha = engine::write_demo_adapter(d.path, tiny_model(), seed);
  }
  return it->second;
}

}  // namespace

const std::filesystem::path& tiny_adapter(uint64_t seed) {
  return adapter(seed).path;
}
const std::string& tiny_adapter_sha256(uint64_t seed) {
  return adapter(seed).sha;
}

const std::filesystem::path& tiny_model() {
  return demo().path;
}
const std::string& tiny_model_sha256() {
  return demo().sha;
}

config::Config demo_config(int slots, int queue, const std::string& extra_model_yaml) {
  std::string yaml = "listen: 127.0.0.1:0\nmodels:\n  demo:\n    engine: embedded\n    path: " +
                     tiny_model().string() + "\n    sha256: " + tiny_model_sha256() +
                     "\n    slots: " + std::to_string(slots) +
                     "\n    queue: " + std::to_string(queue) +
                     "\n    threads: 1\n    context: 512\n" + extra_model_yaml;
  return config::parse_config(yaml, ".");
}

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace perimeter::testing
