#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "cli/commands.h"
#include "config/config.h"
#include "engine/engine.h"
#include "gateway/gateway.h"
#include "http/server.h"
#include "lock/lock.h"

namespace perimeter::cli {
namespace {

// Model load progress: a redrawn bar on a terminal, a few log lines otherwise.
void show_progress(const std::string& id, float p) {
  static thread_local int last = -1;
  const int pct = static_cast<int>(p * 100);
  if (isatty(STDERR_FILENO)) {
    if (pct == last) return;
    last = pct;
    const int filled = pct * 30 / 100;
    std::fprintf(stderr, "\rloading %s [%.*s%*s] %3d%%%s", id.c_str(), filled,
                 "##############################", 30 - filled, "", pct, pct >= 100 ? "\n" : "");
  } else if (pct / 25 != last / 25 || pct == 100) {
    last = pct;
    std::fprintf(stderr, "loading %s: %d%%\n", id.c_str(), pct);
  }
}

// --locked: the config and every file it names must match the lock before
// anything is loaded. Returns false (having said why) on drift or a bad lock.
bool check_locked(const std::string& config_path, const std::string& lock_path) {
  const std::filesystem::path file =
      lock_path.empty() ? lock::default_lock_path(config_path) : std::filesystem::path(lock_path);
  std::vector<lock::Drift> drifts;
  try {
    drifts = lock::verify(config_path, file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perimeter serve: --locked: %s\n", e.what());
    return false;
  }
  if (drifts.empty()) {
    spdlog::info("--locked: {} matches {}", config_path, file.string());
    return true;
  }
  // stderr, like every refusal to start: this is why the service is down.
  std::fprintf(stderr, "perimeter serve: --locked: refusing to start, %zu drift(s) from %s:\n",
               drifts.size(), file.c_str());
  for (const auto& d : drifts) std::fprintf(stderr, "  %s\n", lock::to_string(d).c_str());
  std::fprintf(stderr, "if the changes are intended, re-lock with: %s\n",
               relock_command(config_path, lock_path).c_str());
  return false;
}

int serve(const std::string& config_path, const std::string& listen_override, bool locked,
          const std::string& lock_path) {
  if (locked && !check_locked(config_path, lock_path)) return 1;
  config::Config cfg = config::load_config(config_path);
  if (!listen_override.empty()) {
    auto colon = listen_override.rfind(':');
    if (colon == std::string::npos) throw std::runtime_error("--listen must be HOST:PORT");
    cfg.server.host = listen_override.substr(0, colon);
    cfg.server.port = static_cast<uint16_t>(std::stoi(listen_override.substr(colon + 1)));
  }
  // Signals are taken by a dedicated thread so that shutdown is orderly.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  gateway::Gateway gw(cfg);
  if (auto* log = gw.audit_log())
    spdlog::info("audit log: {} chain '{}'{}", cfg.audit->store, log->chain(),
                 cfg.audit->store_text ? " (store_text: prompts and answers are kept)" : "");
  http::Server server(cfg.server, gw);
  spdlog::info("perimeter listening on http://{}:{} (llama.cpp {}); loading {} model(s)",
               cfg.server.host, server.port(), engine::llama_version(), cfg.models.size());
  int status = 0;
  std::thread loader([&] {
    try {
      gw.load_models(show_progress);
      spdlog::info("ready: serving {}", [&] {
        std::string s;
        for (const auto& m : gw.models())
          s += (s.empty() ? "" : ", ") + m.id + " (sha256 " + m.sha256.substr(0, 12) + ")";
        return s;
      }());
    } catch (const std::exception& e) {
      spdlog::error("{}", e.what());
      status = 1;
      server.stop();
    }
  });
  std::thread signals([&] {
    int sig = 0;
    sigwait(&sigs, &sig);
    if (sig == SIGINT || sig == SIGTERM) spdlog::info("signal {}: shutting down", sig);
    server.stop();
  });
  server.run();
  loader.join();
  gw.stop_backends();  // answers in flight end now, while the server can still take their ends
  // Wake the signal thread if the server stopped for another reason.
  pthread_kill(signals.native_handle(), SIGTERM);
  signals.join();
  gw.close();  // the closing signed checkpoint: a clean shutdown is visible in the chain
  return status;
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("serve", "Serve the OpenAI-compatible API");
  auto config_path = std::make_shared<std::string>("perimeter.yaml");
  auto listen = std::make_shared<std::string>();
  auto locked = std::make_shared<bool>(false);
  auto lock_path = std::make_shared<std::string>();
  cmd->add_option("-c,--config", *config_path, "YAML configuration file")->capture_default_str();
  cmd->add_option("--listen", *listen, "HOST:PORT, overrides `listen:` (port 0 = any free port)");
  cmd->add_flag("--locked", *locked,
                "Refuse to start unless the config and its files match perimeter.lock "
                "(see perimeter verify)");
  cmd->add_option(
      "--lock", *lock_path,
      "Lock file for --locked, which it implies (default: perimeter.lock beside the config)");
  cmd->callback([config_path, listen, locked, lock_path] {
    std::exit(serve(*config_path, *listen, *locked || !lock_path->empty(), *lock_path));
  });
}

}  // namespace perimeter::cli
