#include "lock/lock.h"

#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <system_error>

#include <yaml-cpp/yaml.h>

#include "core/sha256.h"
#include "engine/engine.h"
#include "router/router.h"

namespace perimeter::lock {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kAbsent = "(absent)";

// A file's hash, or why it has none: a missing model is a drift to report, not a crash.
std::string hash_or_reason(const fs::path& file) {
  try {
    return sha256_file(file);
  } catch (const std::exception& e) {
    return std::string("unreadable: ") + e.what();
  }
}

// The config keeps only resolved paths; the lock records paths as written, so
// that it stays valid when the checkout moves.
std::string written_path(const YAML::Node& root, const std::string& id) {
  try {
    return root["models"][id]["path"].as<std::string>();
  } catch (const YAML::Exception&) {
    return "";
  }
}

struct Pins {
  std::vector<std::string> mismatches;  // one line per file that differs from its pin
  void check(const std::string& key, const std::string& path, const std::string& actual,
             const std::string& pinned) {
    if (actual.rfind("unreadable: ", 0) == 0)
      mismatches.push_back(key + ": " + path + " is " + actual);
    else if (actual != pinned)
      mismatches.push_back(key + ": " + path + " has sha256 " + actual + " but the config pins " +
                           (pinned.empty() ? std::string("nothing") : pinned));
  }
};

// What the config says of `m`, its file hash taken from the pin.
LockedModel as_configured(const config::Model& m) {
  LockedModel l;
  l.engine = m.engine;
  l.egress = m.egress;
  if (m.engine == "embedded") {
    l.sha256 = m.sha256;
    l.sampling = m.sampling;
    for (const auto& a : m.adapters)
      l.adapters.push_back({a.name, a.path_as_written, a.sha256, a.scale});
  } else {
    l.upstream_model = m.upstream.model;
    l.urls = m.upstream.urls;
    if (m.sampling_set) l.sampling = m.sampling;
  }
  return l;
}

Lock state(const fs::path& file, Pins& pins) {
  const config::Config cfg = config::load_config(file);
  YAML::Node root;
  try {
    root = YAML::LoadFile(file.string());
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
  Lock lock;
  lock.config_file = file.filename().string();
  lock.config_sha256 = sha256_file(file);
  lock.llama_cpp = engine::llama_version();
  for (const auto& [id, m] : cfg.models) {
    LockedModel& l = lock.models[id] = as_configured(m);
    if (m.engine == "embedded") {
      l.path = written_path(root, id);
      l.sha256 = hash_or_reason(m.path);
      pins.check("models." + id + ".sha256", m.path.string(), l.sha256, m.sha256);
      for (size_t i = 0; i < m.adapters.size(); ++i) {
        const config::Adapter& a = m.adapters[i];
        l.adapters[i].sha256 = hash_or_reason(a.path);
        pins.check("models." + id + ".adapters." + a.name + ".sha256", a.path.string(),
                   l.adapters[i].sha256, a.sha256);
      }
    }
  }
  const auto& r = cfg.router;
  if (r.kind == router::RouterOptions::Kind::Llm) {
    lock.router = {"llm", r.model, "", ""};
  } else {
    const bool builtin = r.model == "builtin";
    fs::path artefact =
        builtin ? fs::path(PERIMETER_DATA_ROOT) / router::kBuiltinModelPath : cfg.resolve(r.model);
    lock.router.kind = "linear";
    lock.router.model = r.model;
    lock.router.path = builtin ? std::string(router::kBuiltinModelPath) : r.model;
    lock.router.sha256 = hash_or_reason(artefact);
    pins.check("router.sha256", artefact.string(), lock.router.sha256,
               builtin ? std::string(router::kBuiltinModelSha256) : r.sha256);
  }
  return lock;
}

json sampling_json(const config::Sampling& s) {
  return {{"temperature", s.temperature},
          {"top_k", s.top_k},
          {"top_p", s.top_p},
          {"min_p", s.min_p},
          {"seed", s.seed ? json(*s.seed) : json(nullptr)},
          {"max_tokens", s.max_tokens}};
}

config::Sampling sampling_from(const json& j) {
  config::Sampling s;
  s.temperature = j.at("temperature").get<double>();
  s.top_k = j.at("top_k").get<int>();
  s.top_p = j.at("top_p").get<double>();
  s.min_p = j.at("min_p").get<double>();
  if (!j.at("seed").is_null()) s.seed = j.at("seed").get<uint32_t>();
  s.max_tokens = j.at("max_tokens").get<int>();
  return s;
}

std::string show(const json& v) {
  return v.is_string() ? v.get<std::string>() : v.dump();
}

// Walks both trees in key order; a subtree present on one side only is one drift.
void diff(const json& a, const json& b, const std::string& path, std::vector<Drift>& out) {
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [k, v] : a.items()) keys.insert(k);
    for (const auto& [k, v] : b.items()) keys.insert(k);
    for (const auto& k : keys) {
      const std::string p = path.empty() ? k : path + "." + k;
      if (!a.contains(k))
        out.push_back({p, kAbsent, show(b[k])});
      else if (!b.contains(k))
        out.push_back({p, show(a[k]), kAbsent});
      else
        diff(a[k], b[k], p, out);
    }
  } else if (a != b) {
    out.push_back({path, show(a), show(b)});
  }
}

}  // namespace

Lock current_state(const fs::path& config_file) {
  Pins ignored;
  return state(config_file, ignored);
}

Lock lock_config(const fs::path& config_file) {
  Pins pins;
  Lock lock = state(config_file, pins);
  if (!pins.mismatches.empty()) {
    std::string msg = "refusing to lock " + config_file.string() +
                      ": files differ from their pins (restore the file, or re-pin it with "
                      "sha256sum after checking it is the one you want):";
    for (const auto& m : pins.mismatches) msg += "\n  " + m;
    throw PinMismatch(msg);
  }
  return lock;
}

fs::path default_lock_path(const fs::path& config_file) {
  return config_file.parent_path() / "perimeter.lock";
}

json to_json(const Lock& lock) {
  json models = json::object();
  for (const auto& [id, m] : lock.models) {
    json j = {{"engine", m.engine}, {"egress", m.egress}};
    if (m.engine == "embedded") {
      j["path"] = m.path;
      j["sha256"] = m.sha256;
      j["adapters"] = json::object();
      for (const auto& a : m.adapters)
        j["adapters"][a.name] = {{"path", a.path}, {"sha256", a.sha256}, {"scale", a.scale}};
    } else {
      j["upstream_model"] = m.upstream_model;
      j["urls"] = m.urls;
    }
    if (m.sampling) j["sampling"] = sampling_json(*m.sampling);
    models[id] = j;
  }
  json router = {{"kind", lock.router.kind}, {"model", lock.router.model}};
  if (lock.router.kind == "linear") {
    router["path"] = lock.router.path;
    router["sha256"] = lock.router.sha256;
  }
  return {{"version", lock.version},
          {"config", {{"file", lock.config_file}, {"sha256", lock.config_sha256}}},
          {"llama_cpp", lock.llama_cpp},
          {"models", models},
          {"router", router},
          {"fingerprint", fingerprint(lock)}};
}

Lock from_json(const json& j) {
  Lock lock;
  try {
    lock.version = j.at("version").get<int>();
    if (lock.version != kFormatVersion)
      throw std::runtime_error("lock format version " + std::to_string(lock.version) +
                               " is not supported (this perimeter reads version " +
                               std::to_string(kFormatVersion) + "); re-lock with perimeter lock");
    lock.config_file = j.at("config").at("file").get<std::string>();
    lock.config_sha256 = j.at("config").at("sha256").get<std::string>();
    lock.llama_cpp = j.at("llama_cpp").get<std::string>();
    for (const auto& [id, mj] : j.at("models").items()) {
      LockedModel& m = lock.models[id];
      m.engine = mj.at("engine").get<std::string>();
      m.egress = mj.at("egress").get<std::string>();
      if (m.engine == "embedded") {
        m.path = mj.at("path").get<std::string>();
        m.sha256 = mj.at("sha256").get<std::string>();
        const json adapters = mj.value("adapters", json::object());
        for (const auto& [name, a] : adapters.items())
          m.adapters.push_back({name, a.at("path").get<std::string>(),
                                a.at("sha256").get<std::string>(), a.at("scale").get<double>()});
      } else {
        m.upstream_model = mj.at("upstream_model").get<std::string>();
        m.urls = mj.at("urls").get<std::vector<std::string>>();
      }
      if (mj.contains("sampling")) m.sampling = sampling_from(mj.at("sampling"));
    }
    const json& r = j.at("router");
    lock.router.kind = r.at("kind").get<std::string>();
    lock.router.model = r.at("model").get<std::string>();
    lock.router.path = r.value("path", "");
    lock.router.sha256 = r.value("sha256", "");
  } catch (const json::exception& e) {
    throw std::runtime_error(std::string("malformed lock: ") + e.what());
  }
  return lock;
}

void write_lock(const Lock& lock, const fs::path& file) {
  const fs::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << to_json(lock).dump(2) << '\n';
    out.close();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  std::error_code ec;
  fs::rename(tmp, file, ec);
  if (ec)
    throw std::runtime_error("cannot move " + tmp.string() + " to " + file.string() + ": " +
                             ec.message());
}

Lock read_lock(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw std::runtime_error(
        file.string() + ": cannot read the lock file (create it with perimeter lock -c CONFIG)");
  try {
    return from_json(json::parse(in));
  } catch (const std::exception& e) {
    throw std::runtime_error(file.string() + ": " + e.what());
  }
}

std::vector<Drift> compare(const Lock& locked, const Lock& current) {
  json a = to_json(locked), b = to_json(current);
  // Derived from the rest: its inputs' drifts are named on their own lines.
  a.erase("fingerprint");
  b.erase("fingerprint");
  // The file name is informational: the same config may be verified under another name.
  a["config"].erase("file");
  b["config"].erase("file");
  std::vector<Drift> out;
  diff(a, b, "", out);
  return out;
}

std::vector<Drift> verify(const fs::path& config_file, const fs::path& lock_file) {
  const Lock locked = read_lock(lock_file);
  return compare(locked, current_state(config_file));
}

std::string to_string(const Drift& d) {
  return d.what + ": locked " + d.locked + ", current " + d.current;
}

namespace {

// What of a locked model decides its output bytes, with `adapters` applied.
json output_inputs(const LockedModel& m, const std::vector<LockedAdapter>& adapters) {
  json j = json::object();
  if (m.engine == "embedded") {
    j["sha256"] = m.sha256;
    j["adapters"] = json::array();
    for (const auto& a : adapters) j["adapters"].push_back({a.sha256, a.scale});
  } else {
    j["upstream_model"] = m.upstream_model;
  }
  if (m.sampling) j["sampling"] = sampling_json(*m.sampling);
  return j;
}

std::string short_hash(const json& in) {
  return "fp_" + sha256_hex(in.dump()).substr(0, 12);
}

}  // namespace

std::string fingerprint(const Lock& lock) {
  json models = json::object();
  for (const auto& [id, m] : lock.models) models[id] = output_inputs(m, m.adapters);
  return short_hash({{"llama_cpp", lock.llama_cpp}, {"models", models}});
}

std::string model_fingerprint(const config::Model& m, const std::string& adapter) {
  // The pin stands for the file: the engine refuses to load any other.
  const LockedModel l = as_configured(m);
  std::vector<LockedAdapter> applied;
  for (size_t i = 0; i < m.adapters.size(); ++i)
    if (m.adapters[i].name == adapter) applied.push_back(l.adapters[i]);
  if (!adapter.empty() && applied.empty())
    throw std::invalid_argument("model '" + m.id + "' has no adapter '" + adapter + "'");
  return short_hash({{"llama_cpp", engine::llama_version()}, {"model", output_inputs(l, applied)}});
}

}  // namespace perimeter::lock
