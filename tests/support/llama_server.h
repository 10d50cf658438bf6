// A real llama.cpp `llama-server` (built by scripts/setup.sh) serving the
// tiny demo model on a loopback port: the "local large model" of the tests.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace perimeter::testing {

class LlamaServerProcess {
 public:
  // Path of the llama-server binary setup installed.
  static std::string binary();
  // Whether that binary exists.
  static bool available();

  // Starts it with `slots` parallel sequences sharing `context` tokens and
  // waits until /health answers 200. Throws std::runtime_error if it exits or
  // is not healthy within 30 s.
  LlamaServerProcess(int slots, int context);
  // Stops it (SIGTERM) and reaps it.
  ~LlamaServerProcess();
  LlamaServerProcess(const LlamaServerProcess&) = delete;
  LlamaServerProcess& operator=(const LlamaServerProcess&) = delete;

  uint16_t port() const { return port_; }
  // The API base to configure: http://127.0.0.1:PORT/v1
  std::string url() const;

 private:
  uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace perimeter::testing
