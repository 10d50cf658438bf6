// `perimeter lock` and `perimeter verify`: record every pinned input of a
// config in perimeter.lock, and check the current state against it.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "lock/lock.h"

namespace perimeter::cli {
namespace {

namespace fs = std::filesystem;

struct LockArgs {
  std::string config = "perimeter.yaml";
  std::string lock;  // empty = perimeter.lock beside the config
};

fs::path lock_file(const LockArgs& a) {
  return a.lock.empty() ? lock::default_lock_path(a.config) : fs::path(a.lock);
}

// 0 locked, 1 a file differs from its pin, 2 anything unreadable or invalid.
int run_lock(const LockArgs& a) {
  try {
    const lock::Lock l = lock::lock_config(a.config);
    const fs::path out = lock_file(a);
    lock::write_lock(l, out);
    std::printf("locked %zu model(s) of %s into %s (fingerprint %s)\n", l.models.size(),
                a.config.c_str(), out.c_str(), lock::fingerprint(l).c_str());
    return 0;
  } catch (const lock::PinMismatch& e) {
    std::fprintf(stderr, "perimeter lock: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perimeter lock: error: %s\n", e.what());
    return 2;
  }
}

// 0 clean, 1 drift (every one printed), 2 unreadable or invalid config or lock.
int run_verify(const LockArgs& a, const std::vector<std::string>& extras) {
  if (!extras.empty()) {
    std::fprintf(stderr,
                 "perimeter verify: unexpected argument '%s' (usage: perimeter verify "
                 "-c CONFIG [--lock FILE])\n",
                 extras.front().c_str());
    return 2;
  }
  const fs::path file = lock_file(a);
  std::vector<lock::Drift> drifts;
  try {
    drifts = lock::verify(a.config, file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "perimeter verify: error: %s\n", e.what());
    return 2;
  }
  if (drifts.empty()) {
    std::printf("clean: %s matches %s\n", a.config.c_str(), file.c_str());
    return 0;
  }
  for (const auto& d : drifts) std::printf("drift: %s\n", lock::to_string(d).c_str());
  std::fprintf(stderr, "%zu drift(s) from %s; if the changes are intended, re-lock with: %s\n",
               drifts.size(), file.c_str(), relock_command(a.config, a.lock).c_str());
  return 1;
}

}  // namespace

std::string relock_command(const std::string& config, const std::string& lock_file) {
  return "perimeter lock -c " + config + (lock_file.empty() ? "" : " -o " + lock_file);
}

void add_lock_commands(CLI::App& app) {
  auto a = std::make_shared<LockArgs>();
  auto* cmd = app.add_subcommand(
      "lock",
      "Record the sha256 of the config, every model file and the router artefact, the "
      "llama.cpp build and each cloud model's snapshot in perimeter.lock");
  cmd->add_option("-c,--config", a->config, "YAML configuration file")->capture_default_str();
  cmd->add_option("-o,--output", a->lock,
                  "Lock file to write (default: perimeter.lock beside "
                  "the config)");
  cmd->callback([a] { std::exit(run_lock(*a)); });

  auto v = std::make_shared<LockArgs>();
  auto* ver =
      app.add_subcommand("verify",
                         "Compare the current state with perimeter.lock and name every drift "
                         "(exit 0 clean, 1 drift, 2 usage or IO error)");
  ver->add_option("-c,--config", v->config, "YAML configuration file")->capture_default_str();
  ver->add_option("--lock", v->lock, "Lock file (default: perimeter.lock beside the config)");
  ver->allow_extras();
  ver->callback([v, ver] { std::exit(run_verify(*v, ver->remaining())); });
}

}  // namespace perimeter::cli
