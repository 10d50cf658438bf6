// The `router:` config section. Read with yaml-cpp directly rather than
// config/'s reader so that config can depend on router, not the reverse.
#include <cmath>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "core/sha256.h"
#include "router/router.h"

namespace perimeter::router {

RouterOptions parse_router_options(const YAML::Node& node, const std::string& key_path) {
  auto fail = [&](const std::string& key, const std::string& rule) {
    throw std::runtime_error(key_path + (key.empty() ? "" : "." + key) + ": " + rule);
  };
  RouterOptions o;
  if (!node || node.IsNull()) return o;
  if (!node.IsMap())
    fail("", "must be a mapping (kind, model, sha256, min_confidence, timeout_ms)");
  bool timeout_set = false;
  auto scalar = [&](const YAML::Node& v, const std::string& key) {
    if (!v.IsScalar()) fail(key, "must be a string");
    return v.Scalar();
  };
  for (const auto& kv : node) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "?";
    const YAML::Node& v = kv.second;
    if (key == "kind") {
      std::string k = scalar(v, key);
      if (k == "linear")
        o.kind = RouterOptions::Kind::Linear;
      else if (k == "llm")
        o.kind = RouterOptions::Kind::Llm;
      else
        fail(key, "must be 'linear' or 'llm', got '" + k + "'");
    } else if (key == "model") {
      o.model = scalar(v, key);
      if (o.model.empty()) fail(key, "must not be empty");
    } else if (key == "sha256") {
      o.sha256 = scalar(v, key);
      if (!is_sha256_hex(o.sha256)) fail(key, "must be 64 lowercase hex digits");
    } else if (key == "min_confidence") {
      double x = 0;
      try {
        x = v.as<double>();
      } catch (const YAML::Exception&) {
        fail(key, "must be a number in [0, 1]");
      }
      if (!std::isfinite(x) || x < 0 || x > 1) fail(key, "must be a number in [0, 1]");
      o.min_confidence = x;
    } else if (key == "timeout_ms") {
      long long ms = 0;
      try {
        ms = v.as<long long>();
      } catch (const YAML::Exception&) {
        fail(key, "must be an integer in [1, 600000]");
      }
      if (ms < 1 || ms > 600000) fail(key, "must be an integer in [1, 600000]");
      o.timeout_ms = static_cast<int>(ms);
      timeout_set = true;
    } else {
      fail(key, "unknown key (allowed: kind, model, sha256, min_confidence, timeout_ms)");
    }
  }
  if (o.kind == RouterOptions::Kind::Linear) {
    if (o.model == "builtin") {
      if (!o.sha256.empty() && o.sha256 != kBuiltinModelSha256)
        fail("sha256", "does not match the builtin router model " +
                           std::string(kBuiltinModelSha256) + " (omit it for builtin)");
    } else if (o.sha256.empty()) {
      fail("sha256", "is required when model is a file: a router artefact is pinned like a GGUF");
    }
    if (timeout_set) fail("timeout_ms", "only applies when kind is llm");
  } else {
    if (o.model == "builtin") fail("model", "must name an embedded model when kind is llm");
    if (!o.sha256.empty())
      fail("sha256", "is not used when kind is llm (the model's own pin applies)");
  }
  return o;
}

}  // namespace perimeter::router
