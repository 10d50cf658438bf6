#include "support/llama_server.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <thread>
#include <utility>  // Boost 1.74 asio uses std::exchange without including it

#include <boost/asio.hpp>

#include "support/demo.h"
#include "support/http_client.h"

namespace perimeter::testing {
namespace {

uint16_t free_port() {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor a(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

}  // namespace

std::string LlamaServerProcess::binary() {
  return PERIMETER_LLAMA_SERVER;
}

bool LlamaServerProcess::available() {
  return std::filesystem::exists(binary());
}

LlamaServerProcess::LlamaServerProcess(int slots, int context) {
  const std::string bin = binary();
  const std::string model = tiny_model().string();
  port_ = free_port();
  const std::string port = std::to_string(port_);
  const std::string np = std::to_string(slots);
  const std::string ctx = std::to_string(context);
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed for llama-server");
  if (pid_ == 0) {
    std::freopen("/dev/null", "w", stdout);
    std::freopen("/dev/null", "w", stderr);
    execl(bin.c_str(), bin.c_str(), "-m", model.c_str(), "--host", "127.0.0.1", "--port",
          port.c_str(), "-t", "1", "-c", ctx.c_str(), "-np", np.c_str(), "--no-webui",
          "--cache-ram", "0", static_cast<char*>(nullptr));
    _exit(127);
  }
  for (int i = 0; i < 600; ++i) {
    try {
      if (http_request(port_, "GET", "/health").status == 200) return;
    } catch (const std::exception&) {
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("llama-server (" + bin + ") exited during startup");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  throw std::runtime_error("llama-server did not become healthy within 30 s");
}

LlamaServerProcess::~LlamaServerProcess() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status;
  waitpid(pid_, &status, 0);
}

std::string LlamaServerProcess::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

}  // namespace perimeter::testing
