// A throwaway topology for lockfile tests: a temp folder holding a copy of the
// demo model (so tests may corrupt it) and a config naming it relatively, plus
// a cloud model (header-only).
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "support/demo.h"

namespace perimeter::testing {

// Appends one byte to `file`: the smallest change a hash must notice.
inline void append_byte(const std::filesystem::path& file) {
  std::ofstream(file, std::ios::binary | std::ios::app) << 'x';
}

class LockTopology {
 public:
  explicit LockTopology(std::string listen = "127.0.0.1:0") : listen_(std::move(listen)) {
    std::string tmpl = (std::filesystem::temp_directory_path() / "perimeter-lock-XXXXXX").string();
    dir = mkdtemp(tmpl.data());
    std::filesystem::copy_file(tiny_model(), dir / "model.gguf");
    write(yaml());
  }
  ~LockTopology() {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
  }
  LockTopology(const LockTopology&) = delete;
  LockTopology& operator=(const LockTopology&) = delete;

  // The initial config text; tests edit it and write() it back.
  std::string yaml() const {
    return "listen: " + listen_ +
           "\ndefault_model: demo\nmodels:\n"
           "  demo:\n    engine: embedded\n    path: model.gguf\n    sha256: " +
           tiny_model_sha256() +
           "\n    sampling: {temperature: 0, top_k: 1, top_p: 1.0, min_p: 0, seed: 42, "
           "max_tokens: 16}\n    slots: 1\n    threads: 1\n    context: 512\n"
           "  cloud:\n    engine: http\n    url: http://127.0.0.1:9/v1\n"
           "    upstream_model: gpt-4o-2024-08-06\n    egress: cloud\n";
  }
  void write(const std::string& text) const { std::ofstream(config()) << text; }
  std::filesystem::path config() const { return dir / "perimeter.yaml"; }
  std::filesystem::path lock() const { return dir / "perimeter.lock"; }

  std::filesystem::path dir;

 private:
  std::string listen_;
};

}  // namespace perimeter::testing
