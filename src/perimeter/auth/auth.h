// Authentication: API keys → principal and role. Keys live in the config only
// as sha256 hashes and are compared in constant time; a role limits which
// models a principal may use and can raise the sensitivity of everything it
// sends. No keys configured = single-user local mode (principal "local").
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"

namespace YAML {
class Node;
}

namespace perimeter::auth {

// The principal of every request when no keys are configured.
inline constexpr const char* kLocalPrincipal = "local";

struct Role {
  std::string name;
  std::vector<std::string> models;                       // models it may use; empty = all
  std::vector<std::string> routes;                       // policy routes it may use; empty = all
  std::optional<detect::Sensitivity> sensitivity_floor;  // every request is at least this
};

struct ApiKey {
  std::string id;      // the principal: budgets, metrics and the audit log name it
  std::string sha256;  // lowercase hex sha256 of the key; the key itself is never stored
  std::string role;    // a name under auth.roles, or empty
};

// The `auth:` config section.
struct AuthOptions {
  std::vector<ApiKey> keys;
  std::map<std::string, Role> roles;
};

// Reads `auth: {keys: [{id, sha256, role}], roles: {NAME: {models, sensitivity_floor}}}`
// at `key_path`. Throws std::runtime_error("<path>: <rule>") on a bad value,
// an unknown key, a duplicate id or hash, or a key naming an undefined role.
AuthOptions parse_auth_options(const YAML::Node& node, const std::string& key_path);

// Who is calling.
struct Principal {
  std::string id;
  const Role* role = nullptr;  // null: no role (no restrictions, no floor)
  std::string role_name() const { return role ? role->name : ""; }
};

class Authenticator {
 public:
  explicit Authenticator(AuthOptions options);

  // False in local mode (no keys configured).
  bool enabled() const { return !options_.keys.empty(); }

  // The principal for an `Authorization` header value ("Bearer KEY"). Local
  // mode: always kLocalPrincipal. Throws Error 401 (invalid_api_key) for a
  // missing, malformed or unknown key.
  Principal authenticate(std::string_view authorization) const;

 private:
  AuthOptions options_;
};

// A fresh random API key ("pk-" + 43 base64url characters, 256 bits).
std::string new_api_key();

}  // namespace perimeter::auth
