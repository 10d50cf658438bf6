#include "auth/auth.h"

#include <set>
#include <stdexcept>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <yaml-cpp/yaml.h>

#include "core/error.h"
#include "core/sha256.h"

namespace perimeter::auth {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw std::runtime_error(path + ": " + rule);
}

std::string scalar(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(path, "must be a string");
  return n.as<std::string>();
}

Role parse_role(const YAML::Node& node, const std::string& name, const std::string& path) {
  if (!node.IsMap()) fail(path, "must be a mapping");
  Role r;
  r.name = name;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string p = path + "." + key;
    if (key == "models") {
      if (!kv.second.IsSequence()) fail(p, "must be a list of model ids");
      for (const auto& m : kv.second) r.models.push_back(scalar(m, p));
    } else if (key == "routes") {
      if (!kv.second.IsSequence()) fail(p, "must be a list of route names");
      for (const auto& m : kv.second) r.routes.push_back(scalar(m, p));
    } else if (key == "sensitivity_floor") {
      try {
        r.sensitivity_floor = detect::parse_sensitivity(scalar(kv.second, p));
      } catch (const std::invalid_argument&) {
        fail(p, "must be one of public, internal, confidential, restricted");
      }
    } else {
      fail(p, "unknown key (expected models, routes, sensitivity_floor)");
    }
  }
  return r;
}

ApiKey parse_key(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) fail(path, "must be a mapping {id, sha256, role}");
  ApiKey k;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string p = path + "." + key;
    if (key == "id") {
      k.id = scalar(kv.second, p);
      if (k.id.empty() || k.id == kLocalPrincipal)
        fail(p, "must be a non-empty name other than 'local'");
    } else if (key == "sha256") {
      k.sha256 = scalar(kv.second, p);
      if (!is_sha256_hex(k.sha256))
        fail(p,
             "must be the 64 lowercase hex digits of the key's sha256 (perimeter auth new-key "
             "prints it); "
             "never put the key itself in the config");
    } else if (key == "role") {
      k.role = scalar(kv.second, p);
    } else {
      fail(p, "unknown key (expected id, sha256, role)");
    }
  }
  if (k.id.empty()) fail(path + ".id", "is required");
  if (k.sha256.empty()) fail(path + ".sha256", "is required");
  return k;
}

// Byte values of a lowercase hex sha256 (validated by the parser).
std::string unhex(std::string_view hex) {
  auto nib = [](char c) { return c <= '9' ? c - '0' : c - 'a' + 10; };
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = static_cast<char>(nib(hex[2 * i]) << 4 | nib(hex[2 * i + 1]));
  return out;
}

Error unauthorized(const std::string& why) {
  return Error(401, "invalid_request_error",
               why +
                   " Send `Authorization: Bearer <API key>`; the operator issues keys with "
                   "`perimeter auth new-key`.",
               "", "invalid_api_key");
}

}  // namespace

AuthOptions parse_auth_options(const YAML::Node& node, const std::string& key_path) {
  AuthOptions o;
  if (!node || node.IsNull()) return o;
  if (!node.IsMap()) fail(key_path, "must be a mapping");
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string p = key_path + "." + key;
    if (key == "roles") {
      if (!kv.second.IsMap()) fail(p, "must be a mapping of role name to role");
      for (const auto& r : kv.second) {
        const std::string name = r.first.as<std::string>();
        o.roles[name] = parse_role(r.second, name, p + "." + name);
      }
    } else if (key != "keys") {
      fail(p, "unknown key (expected keys, roles)");
    }
  }
  if (const YAML::Node keys = node["keys"]) {
    const std::string p = key_path + ".keys";
    if (!keys.IsSequence()) fail(p, "must be a list of {id, sha256, role}");
    std::set<std::string> ids, hashes;
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string kp = p + "[" + std::to_string(i) + "]";
      ApiKey k = parse_key(keys[i], kp);
      if (!ids.insert(k.id).second) fail(kp + ".id", "duplicate id '" + k.id + "'");
      if (!hashes.insert(k.sha256).second) fail(kp + ".sha256", "the same key is listed twice");
      if (!k.role.empty() && !o.roles.count(k.role))
        fail(kp + ".role", "names no role under " + key_path + ".roles: '" + k.role + "'");
      o.keys.push_back(std::move(k));
    }
  }
  return o;
}

Authenticator::Authenticator(AuthOptions options) : options_(std::move(options)) {}

Principal Authenticator::authenticate(std::string_view authorization) const {
  if (!enabled()) return {kLocalPrincipal, nullptr};
  if (authorization.empty()) throw unauthorized("This gateway requires an API key.");
  constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    throw unauthorized("The Authorization header must be `Bearer <API key>`.");
  const std::string presented = unhex(sha256_hex(authorization.substr(kBearer.size())));
  // Every configured hash is compared, in constant time, whatever matches.
  const ApiKey* match = nullptr;
  for (const auto& k : options_.keys) {
    const std::string want = unhex(k.sha256);
    if (CRYPTO_memcmp(want.data(), presented.data(), want.size()) == 0) match = &k;
  }
  if (!match) throw unauthorized("Invalid API key.");
  const auto role = options_.roles.find(match->role);
  return {match->id, role == options_.roles.end() ? nullptr : &role->second};
}

std::string new_api_key() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw std::runtime_error("RAND_bytes failed");
  unsigned char b64[64];
  const int n = EVP_EncodeBlock(b64, raw, sizeof raw);
  std::string key = "pk-";
  for (int i = 0; i < n; ++i) {
    const char c = static_cast<char>(b64[i]);
    if (c == '=') break;
    key += c == '+' ? '-' : c == '/' ? '_' : c;
  }
  return key;
}

}  // namespace perimeter::auth
