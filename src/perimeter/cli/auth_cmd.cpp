// `perimeter auth new-key`: mints an API key and prints the config entry that
// admits it. Only the key's sha256 goes into the config; the key itself is
// shown once, here, and stored nowhere.
#include <cstdio>
#include <memory>
#include <string>

#include "auth/auth.h"
#include "cli/commands.h"
#include "core/sha256.h"

namespace perimeter::cli {

void add_auth_commands(CLI::App& app) {
  auto* auth = app.add_subcommand("auth", "API keys for the `auth:` config section");
  auth->require_subcommand(1);
  auto* mint = auth->add_subcommand(
      "new-key", "Print a fresh random API key and the `auth.keys` entry (its sha256) to paste");
  auto id = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  mint->add_option("--id", *id, "Principal the key names (audit log, budgets, metrics)")
      ->required();
  mint->add_option("--role", *role, "Role under auth.roles (optional)");
  mint->callback([id, role] {
    const std::string key = auth::new_api_key();
    std::printf("API key for '%s' (give it to the client; it is not stored anywhere):\n  %s\n\n",
                id->c_str(), key.c_str());
    std::printf("Add under `auth.keys:` in the config:\n  - {id: %s, sha256: %s%s%s}\n",
                id->c_str(), sha256_hex(key).c_str(),
                role->empty() ? "" : ", role: ", role->c_str());
  });
}

}  // namespace perimeter::cli
