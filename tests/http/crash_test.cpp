// Crash safety of the audit log in the real binary: `perimeter serve` under
// concurrent load is killed with SIGKILL and restarted. The chain must still
// verify, and every request that got a response must have its decision record.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio.hpp>

#include "audit/signing.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "support/demo.h"
#include "support/http_client.h"

namespace perimeter::http {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

// `perimeter serve -c config` as a child process.
class Child {
 public:
  Child(const fs::path& config, const fs::path& log) {
    pid_ = fork();
    if (pid_ == 0) {
      FILE* out = std::freopen(log.c_str(), "a", stderr);
      (void)out;
      dup2(STDERR_FILENO, STDOUT_FILENO);
      execl(PERIMETER_BIN, PERIMETER_BIN, "serve", "-c", config.c_str(), nullptr);
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) signal_and_wait(SIGKILL);
  }
  // Sends `sig` and reaps the child; returns its wait status.
  int signal_and_wait(int sig) {
    kill(pid_, sig);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
};

bool wait_ready(uint16_t port) {
  for (int i = 0; i < 600; ++i) {
    try {
      if (testing::http_request(port, "GET", "/readyz").status == 200) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(AuditCrash, KillDashNineUnderLoadLosesNoDecisionOfAnAnsweredRequest) {
  std::string tmpl = (fs::temp_directory_path() / "perimeter-crash-XXXXXX").string();
  const fs::path dir = mkdtemp(tmpl.data());
  audit::SigningKey::generate().write_files(dir / "audit.pem", dir / "audit.pub.pem");
  const uint16_t port = free_port();
  {
    std::ofstream cfg(dir / "perimeter.yaml");
    cfg << "listen: 127.0.0.1:" << port
        << "\nmodels:\n  demo:\n    engine: embedded\n    path: " << testing::tiny_model().string()
        << "\n    sha256: " << testing::tiny_model_sha256()
        << "\n    slots: 4\n    queue: 64\n    threads: 1\n    context: 512\n"
        << "audit:\n  store: sqlite:audit.db\n  signing_key: audit.pem\n  checkpoint_every: 25\n";
  }

  std::set<std::string> answered;  // X-Request-Id of every 200 a client received
  {
    Child server(dir / "perimeter.yaml", dir / "serve.log");
    ASSERT_TRUE(wait_ready(port)) << "server did not become ready; see " << dir / "serve.log";
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 0; c < 6; ++c)
      clients.emplace_back([&, c] {
        for (int i = 0; !stop.load(); ++i) {
          json body = {{"model", "demo"},
                       {"messages", {{{"role", "user"}, {"content", "ping " + std::to_string(i)}}}},
                       {"max_tokens", 4 + (i % 5)},
                       {"seed", c * 1000 + i}};
          if (i % 3 == 0) body["stream"] = true;
          try {
            auto r = testing::post_chat(port, body);
            if (r.status == 200) {
              std::lock_guard lk(mu);
              answered.insert(r.headers.at("x-request-id"));
            }
          } catch (const std::exception&) {
            // the server died mid-request: that request got no response
          }
        }
      });
    // Let load build up, then pull the plug while requests are in flight.
    for (int i = 0; i < 400; ++i) {
      {
        std::lock_guard lk(mu);
        if (answered.size() >= 40) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const int status = server.signal_and_wait(SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    stop.store(true);
    for (auto& t : clients) t.join();
  }
  ASSERT_GE(answered.size(), 10u) << "too little load before the kill to prove anything";

  // Restart on the same log: it must accept the chain and keep serving.
  const bool tail_sealed =
      audit::open_store("sqlite:" + (dir / "audit.db").string())->last("main")->type ==
      "checkpoint";
  {
    Child server(dir / "perimeter.yaml", dir / "serve.log");
    ASSERT_TRUE(wait_ready(port)) << "no restart after the crash; see " << dir / "serve.log";
    auto r = testing::post_chat(port, {{"model", "demo"},
                                       {"messages", {{{"role", "user"}, {"content", "again"}}}},
                                       {"max_tokens", 3}});
    ASSERT_EQ(r.status, 200) << r.body;
    answered.insert(r.headers.at("x-request-id"));
    const int status = server.signal_and_wait(SIGTERM);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }

  auto store = audit::open_store("sqlite:" + (dir / "audit.db").string());
  const auto report = audit::verify(*store, {audit::PublicKey::load(dir / "audit.pub.pem")});
  EXPECT_TRUE(report.ok) << report.summary();
  std::set<std::string> decided;
  bool recovery = false;
  store->scan("main", 1, [&](const audit::Row& r) {
    if (r.type == "decision") decided.insert(r.request_id);
    if (r.type == "checkpoint" && r.body.find("recovery") != std::string::npos) recovery = true;
    return true;
  });
  for (const auto& id : answered) EXPECT_TRUE(decided.count(id)) << id << " has no decision record";
  // A kill right after a checkpoint leaves nothing unsigned to seal.
  EXPECT_EQ(recovery, !tail_sealed) << "the restart did not mark the unclean shutdown";
  fs::remove_all(dir);
}

}  // namespace
}  // namespace perimeter::http
