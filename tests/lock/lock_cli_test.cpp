// The real binary: `perimeter lock`, `perimeter verify` exit codes and output,
// and `perimeter serve --locked` refusing on drift and starting when clean.
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

#include <sys/wait.h>
#include <unistd.h>
#include <boost/asio.hpp>

#include "core/sha256.h"
#include "support/demo.h"
#include "support/http_client.h"
#include "topology.h"

namespace perimeter {
namespace {

namespace fs = std::filesystem;
using testing::append_byte;
using testing::file_bytes;
using testing::LockTopology;

// `perimeter args...` as a child with stdout and stderr in files under `dir`.
class Child {
 public:
  Child(const fs::path& dir, std::vector<std::string> args)
      : out_(dir / "child.out"), err_(dir / "child.err") {
    args.insert(args.begin(), PERIMETER_BIN);
    pid_ = fork();
    if (pid_ == 0) {
      if (!std::freopen(out_.c_str(), "w", stdout) || !std::freopen(err_.c_str(), "w", stderr))
        _exit(126);
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(PERIMETER_BIN, argv.data());
      _exit(127);
    }
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  // Exit code once the child exits; -1 if it is still running after the
  // (generous, hang-guarding) bound, or if it died of a signal.
  int wait(std::chrono::seconds bound = std::chrono::seconds(120)) {
    const auto until = std::chrono::steady_clock::now() + bound;
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (std::chrono::steady_clock::now() > until) return -1;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  // Sends SIGTERM and returns the exit code.
  int terminate() {
    kill(pid_, SIGTERM);
    return wait();
  }
  std::string out() const { return file_bytes(out_); }
  std::string err() const { return file_bytes(err_); }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
};

uint16_t free_port() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor a(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  return a.local_endpoint().port();
}

bool wait_ready(uint16_t port) {
  for (int i = 0; i < 1200; ++i) {
    try {
      if (testing::http_request(port, "GET", "/readyz").status == 200) return true;
    } catch (const std::exception&) {
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

TEST(LockCli, LockThenVerifyCleanExitsZero) {
  LockTopology t;
  Child lock(t.dir, {"lock", "-c", t.config().string()});
  ASSERT_EQ(lock.wait(), 0) << lock.err();
  EXPECT_NE(lock.out().find("fp_"), std::string::npos) << lock.out();
  ASSERT_TRUE(fs::exists(t.lock())) << "lock must write perimeter.lock beside the config";
  Child verify(t.dir, {"verify", "-c", t.config().string()});
  EXPECT_EQ(verify.wait(), 0) << verify.out() << verify.err();
  EXPECT_NE(verify.out().find("clean"), std::string::npos) << verify.out();
}

TEST(LockCli, VerifyNamesEachDriftOnItsOwnLineAndExitsOne) {
  LockTopology t;
  const fs::path lock_file = t.dir / "elsewhere.lock";
  Child lock(t.dir, {"lock", "-c", t.config().string(), "-o", lock_file.string()});
  ASSERT_EQ(lock.wait(), 0) << lock.err();
  append_byte(t.dir / "model.gguf");
  std::string y = t.yaml();
  y.replace(y.find("gpt-4o-2024-08-06"), 17, "gpt-4o-2024-11-20");
  t.write(y);
  Child verify(t.dir, {"verify", "-c", t.config().string(), "--lock", lock_file.string()});
  EXPECT_EQ(verify.wait(), 1) << verify.out() << verify.err();
  const std::string out = verify.out();
  EXPECT_NE(out.find("drift: config.sha256: locked "), std::string::npos) << out;
  EXPECT_NE(out.find("drift: models.demo.sha256: locked " + testing::tiny_model_sha256() +
                     ", current " + sha256_file(t.dir / "model.gguf") + "\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("drift: models.cloud.upstream_model: locked gpt-4o-2024-08-06, current "
                     "gpt-4o-2024-11-20\n"),
            std::string::npos)
      << out;
  EXPECT_NE(
      verify.err().find("perimeter lock -c " + t.config().string() + " -o " + lock_file.string()),
      std::string::npos)
      << verify.err();
}

TEST(LockCli, VerifyWithoutALockExitsTwo) {
  LockTopology t;
  Child verify(t.dir, {"verify", "-c", t.config().string()});
  EXPECT_EQ(verify.wait(), 2) << verify.out() << verify.err();
  EXPECT_NE(verify.err().find("perimeter lock -c CONFIG"), std::string::npos) << verify.err();
}

TEST(LockCli, LockRefusesAFileThatDiffersFromItsPinAndWritesNothing) {
  LockTopology t;
  append_byte(t.dir / "model.gguf");
  Child lock(t.dir, {"lock", "-c", t.config().string()});
  EXPECT_EQ(lock.wait(), 1) << lock.err();
  EXPECT_NE(lock.err().find("models.demo.sha256"), std::string::npos) << lock.err();
  EXPECT_FALSE(fs::exists(t.lock()));
}

TEST(LockCli, ServeLockedRefusesToStartOnDrift) {
  LockTopology t;
  Child lock(t.dir, {"lock", "-c", t.config().string()});
  ASSERT_EQ(lock.wait(), 0) << lock.err();
  std::string y = t.yaml();
  y.replace(y.find("gpt-4o-2024-08-06"), 17, "gpt-4o-2024-11-20");
  t.write(y);
  Child serve(t.dir, {"serve", "-c", t.config().string(), "--locked"});
  EXPECT_EQ(serve.wait(), 1) << serve.err();
  const std::string err = serve.err();
  EXPECT_NE(err.find("refusing to start"), std::string::npos) << err;
  EXPECT_NE(err.find("models.cloud.upstream_model: locked gpt-4o-2024-08-06, current "
                     "gpt-4o-2024-11-20"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("re-lock with: perimeter lock -c " + t.config().string()), std::string::npos)
      << err;
  EXPECT_EQ(serve.out().find("listening"), std::string::npos) << "it must refuse before serving:\n"
                                                              << serve.out();
}

TEST(LockCli, ServeLockedStartsWhenClean) {
  const uint16_t port = free_port();
  LockTopology t("127.0.0.1:" + std::to_string(port));
  Child lock(t.dir, {"lock", "-c", t.config().string()});
  ASSERT_EQ(lock.wait(), 0) << lock.err();
  Child serve(t.dir, {"serve", "-c", t.config().string(), "--locked"});
  ASSERT_TRUE(wait_ready(port)) << serve.err();
  EXPECT_EQ(serve.terminate(), 0) << serve.err();
  EXPECT_NE(serve.out().find("--locked: " + t.config().string() + " matches"), std::string::npos)
      << serve.out();
}

}  // namespace
}  // namespace perimeter
