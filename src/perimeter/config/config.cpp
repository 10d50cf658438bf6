#include "config/config.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <limits>
#include <sstream>

#include "core/sha256.h"

namespace perimeter::config {
namespace {

void parse_sampling(MapReader m, Sampling& s) {
  if (auto v = m.get_double("temperature")) {
    if (*v < 0 || *v > 2) m.fail("temperature", "must be in [0, 2]");
    s.temperature = *v;
  }
  if (auto v = m.get_int("top_k", 0, 1 << 20)) s.top_k = static_cast<int>(*v);
  if (auto v = m.get_double("top_p")) {
    if (!(*v > 0 && *v <= 1)) m.fail("top_p", "must be in (0, 1]");
    s.top_p = *v;
  }
  if (auto v = m.get_double("min_p")) {
    if (*v < 0 || *v > 1) m.fail("min_p", "must be in [0, 1]");
    s.min_p = *v;
  }
  // 0xFFFFFFFF is llama.cpp's "random seed" marker, so it is not a valid pin.
  if (auto v = m.get_int("seed", 0, 0xFFFFFFFEll)) s.seed = static_cast<uint32_t>(*v);
  if (auto v = m.get_int("max_tokens", 1, 1 << 20)) s.max_tokens = static_cast<int>(*v);
  m.reject_unknown();
}

Model parse_common(MapReader& m, Model& model);

struct PinnedFile {
  std::filesystem::path path;  // absolute
  std::string as_written;
  std::string sha256;
};

// `path` and `sha256` of a file the engine loads only if it matches its pin.
PinnedFile read_pinned_file(MapReader& m, const std::string& what, const std::string& kind,
                            const std::filesystem::path& base_dir) {
  auto path = m.get_string("path");
  if (!path || path->empty()) m.fail("path", "is required: " + what);
  auto sha = m.get_string("sha256");
  if (!sha) m.fail("sha256", "is required: pin the " + kind + " file (sha256sum " + *path + ")");
  if (!is_sha256_hex(*sha)) m.fail("sha256", "must be 64 lowercase hex digits");
  std::filesystem::path p(*path);
  return {p.is_relative() ? base_dir / p : p, *path, *sha};
}

bool valid_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '_' && c != '-')
      return false;
  return true;
}

// `adapters:` of an embedded model: name -> {path, sha256, scale}.
void parse_adapters(MapReader& m, Model& model, const std::filesystem::path& base_dir) {
  MapReader all(m.child("adapters"), m.path_of("adapters"));
  for (const auto& name : all.keys()) {
    if (!valid_name(name))
      all.fail(name, "adapter names must be 1-64 characters of [A-Za-z0-9._-]");
    MapReader a(all.child(name), all.path_of(name));
    Adapter ad;
    ad.name = name;
    const PinnedFile f = read_pinned_file(a, "the GGUF LoRA adapter file", "adapter", base_dir);
    ad.path = f.path;
    ad.path_as_written = f.as_written;
    ad.sha256 = f.sha256;
    if (auto v = a.get_double("scale")) {
      if (!(*v > -100 && *v < 100)) a.fail("scale", "must be in (-100, 100)");
      ad.scale = *v;
    }
    a.reject_unknown();
    model.adapters.push_back(std::move(ad));
  }
  std::sort(model.adapters.begin(), model.adapters.end(),
            [](const Adapter& x, const Adapter& y) { return x.name < y.name; });
}

// The keys of an `engine: http` model (everything but sampling and price).
void parse_upstream(MapReader& m, Model& model, const std::filesystem::path& base_dir) {
  Upstream& u = model.upstream;
  const bool one = m.has("url"), many = m.has("urls");
  if (one && many) m.fail("urls", "give either url or urls, not both");
  if (one) {
    auto url = m.get_string("url");
    u.urls = {url.value_or("")};
  } else if (many) {
    u.urls = m.get_string_list("urls").value_or(std::vector<std::string>{});
    if (u.urls.empty()) m.fail("urls", "must list at least one url");
  } else {
    m.fail("url", "is required for engine: http (the API base, e.g. http://gpu-box:8000/v1)");
  }
  const std::string url_key = one ? "url" : "urls";
  for (const auto& url : u.urls) {
    const bool http = url.rfind("http://", 0) == 0, https = url.rfind("https://", 0) == 0;
    if (!http && !https) m.fail(url_key, "must start with http:// or https:// (got '" + url + "')");
    const std::string rest = url.substr(http ? 7 : 8);
    if (rest.empty() || rest[0] == '/' || rest[0] == ':')
      m.fail(url_key, "names no host: '" + url + "'");
    if (url.find_first_of("?# ") != std::string::npos)
      m.fail(url_key, "must be a plain base URL without query, fragment or spaces: '" + url + "'");
  }

  auto name = m.get_string("upstream_model");
  if (!name || name->empty())
    m.fail("upstream_model",
           "is required: the model name the upstream serves (a dated snapshot "
           "for a cloud API)");
  u.model = *name;

  auto egress = m.get_string("egress");
  if (!egress)
    m.fail("egress", "is required for engine: http: local (stays on hosts you control) or cloud");
  if (*egress != "local" && *egress != "cloud")
    m.fail("egress", "must be one of: local, cloud (got '" + *egress + "')");
  model.egress = *egress;

  if (auto v = m.get_string("flavour")) {
    if (*v != "openai" && *v != "vllm" && *v != "llamacpp" && *v != "ollama" && *v != "tgi")
      m.fail("flavour", "must be one of: openai, vllm, llamacpp, ollama, tgi (got '" + *v + "')");
    u.flavour = *v;
  }
  if (auto v = m.get_string("api_key_env")) {
    if (v->empty() || v->find_first_of("= ") != std::string::npos)
      m.fail("api_key_env", "must name an environment variable (the key itself never goes here)");
    u.api_key_env = *v;
  }
  if (m.has("timeouts")) {
    MapReader t(m.child("timeouts"), m.path_of("timeouts"));
    auto seconds = [&t](const char* key, double& out) {
      if (auto v = t.get_double(key)) {
        if (!(*v > 0 && *v <= 86400)) t.fail(key, "must be in (0, 86400] seconds");
        out = *v;
      }
    };
    seconds("connect_s", u.connect_timeout_s);
    seconds("first_byte_s", u.first_byte_timeout_s);
    seconds("idle_s", u.idle_timeout_s);
    t.reject_unknown();
  }
  if (auto v = m.get_int("max_inflight", 1, 1 << 20)) u.max_inflight = static_cast<int>(*v);
  model.queue_wait_ms = 0;  // a remote upstream: refuse at once so the next candidate answers
  if (auto v = m.get_int("queue", 0, 1 << 20)) model.queue = static_cast<int>(*v);
  if (auto v = m.get_int("queue_wait_ms", 0, 600000)) model.queue_wait_ms = static_cast<int>(*v);
  if (m.has("saturation")) {
    MapReader s(m.child("saturation"), m.path_of("saturation"));
    if (auto v = s.get_string("probe")) {
      if (*v != "none" && *v != "llamacpp_slots" && *v != "vllm_metrics")
        s.fail("probe", "must be one of: none, llamacpp_slots, vllm_metrics (got '" + *v + "')");
      u.probe = *v;
    }
    if (auto v = s.get_int("interval_ms", 50, 3600000)) u.probe_interval_ms = static_cast<int>(*v);
    if (auto v = s.get_int("max_waiting", 0, 1 << 20)) u.probe_max_waiting = static_cast<int>(*v);
    s.reject_unknown();
  }
  if (auto v = m.get_int("retries", 0, 10)) u.retries = static_cast<int>(*v);
  if (auto v = m.get_int("retry_backoff_ms", 0, 60000)) u.retry_backoff_ms = static_cast<int>(*v);
  if (m.has("health")) {
    MapReader h(m.child("health"), m.path_of("health"));
    if (auto v = h.get_int("eject_after", 1, 1000)) u.eject_after = static_cast<int>(*v);
    if (auto v = h.get_double("cooldown_s")) {
      if (!(*v > 0 && *v <= 86400)) h.fail("cooldown_s", "must be in (0, 86400] seconds");
      u.eject_s = *v;
    }
    h.reject_unknown();
  }
  if (m.has("tls")) {
    MapReader t(m.child("tls"), m.path_of("tls"));
    if (auto v = t.get_bool("verify")) u.tls_verify = *v;
    if (auto v = t.get_string("ca_file")) {
      u.ca_file = *v;
      if (u.ca_file.is_relative()) u.ca_file = base_dir / u.ca_file;
    }
    t.reject_unknown();
  }
}

Model parse_model(MapReader m, const std::string& id, const std::filesystem::path& base_dir) {
  Model model;
  model.id = id;
  auto engine = m.get_string("engine");
  if (!engine) m.fail("engine", "is required (embedded or http)");
  if (*engine != "embedded" && *engine != "http")
    m.fail("engine", "must be one of: embedded, http (got '" + *engine + "')");
  model.engine = *engine;
  if (model.engine == "http") {
    parse_upstream(m, model, base_dir);
    return parse_common(m, model);
  }

  const PinnedFile f = read_pinned_file(m, "the GGUF file to load", "model", base_dir);
  model.path = f.path;
  model.sha256 = f.sha256;

  if (m.has("adapters")) parse_adapters(m, model, base_dir);
  if (auto v = m.get_int("slots", 1, 64)) model.slots = static_cast<int>(*v);
  if (auto v = m.get_int("threads", 0, 256)) model.threads = static_cast<int>(*v);
  if (auto v = m.get_int("context", 16, 1 << 20)) model.context = static_cast<int>(*v);
  if (auto v = m.get_int("queue", 0, 1 << 20)) model.queue = static_cast<int>(*v);
  if (auto v = m.get_int("queue_wait_ms", 0, 600000)) model.queue_wait_ms = static_cast<int>(*v);
  return parse_common(m, model);
}

// Keys every engine has: sampling defaults and price.
Model parse_common(MapReader& m, Model& model) {
  if (m.has("sampling")) {
    parse_sampling(MapReader(m.child("sampling"), m.path_of("sampling")), model.sampling);
    model.sampling_set = true;
  }
  if (m.has("price")) {
    try {
      model.price = ledger::parse_price(m.child("price"), m.path_of("price"));
    } catch (const std::runtime_error& e) {
      throw ConfigError(e.what());
    }
  }
  m.reject_unknown();
  return model;
}

void parse_listen(MapReader& root, Server& server) {
  auto listen = root.get_string("listen");
  if (!listen) return;
  auto colon = listen->rfind(':');
  if (colon == std::string::npos || colon == 0)
    root.fail("listen", "must be HOST:PORT, e.g. 127.0.0.1:8080");
  server.host = listen->substr(0, colon);
  if (server.host.size() > 2 && server.host.front() == '[' && server.host.back() == ']')
    server.host = server.host.substr(1, server.host.size() - 2);
  const std::string port = listen->substr(colon + 1);
  char* end = nullptr;
  long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end != '\0' || p < 0 || p > 65535)
    root.fail("listen", "port must be an integer in [0, 65535] (0 = any free port)");
  server.port = static_cast<uint16_t>(p);
}

void parse_http(MapReader m, Server& server) {
  if (auto v = m.get_int("max_body_bytes", 1024, 1ll << 32))
    server.max_body_bytes = static_cast<size_t>(*v);
  if (auto v = m.get_int("threads", 1, 256)) server.threads = static_cast<int>(*v);
  if (auto v = m.get_int("idle_timeout_s", 1, 86400)) server.idle_timeout_s = static_cast<int>(*v);
  if (auto v = m.get_int("busy_poll_us", 0, 10000)) server.busy_poll_us = static_cast<int>(*v);
  m.reject_unknown();
}

}  // namespace

std::map<std::string, policy::ModelFacts> model_facts(const std::map<std::string, Model>& models) {
  std::map<std::string, policy::ModelFacts> out;
  for (const auto& [id, m] : models) {
    out[id].cloud = m.egress == "cloud";
    for (const auto& a : m.adapters) out[id].adapters.insert(a.name);
  }
  return out;
}

Config parse_config(const std::string& yaml_text, const std::filesystem::path& base_dir) {
  YAML::Node doc;
  try {
    doc = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    throw ConfigError("YAML syntax error at line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  Config cfg;
  cfg.base_dir = base_dir;
  MapReader root(doc, "");
  parse_listen(root, cfg.server);
  if (root.has("http")) parse_http(MapReader(root.child("http"), "http"), cfg.server);

  if (!root.has("models")) root.fail("models", "is required: at least one model");
  MapReader models(root.child("models"), "models");
  for (const auto& id : models.keys()) {
    if (id == "auto") models.fail(id, "'auto' is reserved for routing; choose another model id");
    cfg.models.emplace(id,
                       parse_model(MapReader(models.child(id), models.path_of(id)), id, base_dir));
  }
  if (cfg.models.empty()) root.fail("models", "must define at least one model");

  // Sections owned by other modules, read by their own parsers.
  try {
    if (root.has("detect"))
      cfg.detect = detect::parse_detector_options(root.child("detect"), "detect");
    if (root.has("router"))
      cfg.router = router::parse_router_options(root.child("router"), "router");
    if (root.has("audit")) {
      cfg.audit = audit::parse_audit_options(root.child("audit"), "audit");
      audit::resolve_paths(*cfg.audit, base_dir);
    }
    if (root.has("ledger"))
      cfg.ledger = ledger::parse_ledger_options(root.child("ledger"), "ledger");
    if (root.has("auth")) cfg.auth = auth::parse_auth_options(root.child("auth"), "auth");
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    throw ConfigError(e.what());
  }
  if (auto d = root.get_string("default_model")) {
    if (!cfg.models.count(*d))
      root.fail("default_model", "names no model under models: '" + *d + "'");
    cfg.default_model = *d;
  } else {
    cfg.default_model = models.keys().front();
  }
  for (const auto& [id, model] : cfg.models)
    if (model.price) cfg.ledger.prices.set(id, *model.price);
  for (const auto& [name, role] : cfg.auth.roles)
    for (const auto& m : role.models)
      if (!cfg.models.count(m))
        throw ConfigError("auth.roles." + name + ".models: names no model under models: '" + m +
                          "'");
  try {
    const auto facts = model_facts(cfg.models);
    const YAML::Node node = root.has("policy") ? root.child("policy") : YAML::Node();
    cfg.policy = policy::parse_policy_options(root.has("policy") ? &node : nullptr, "policy", facts,
                                              cfg.default_model);
  } catch (const std::exception& e) {
    throw ConfigError(e.what());
  }
  for (const auto& [name, role] : cfg.auth.roles)
    for (const auto& r : role.routes)
      if (!cfg.policy.routes.count(r))
        throw ConfigError("auth.roles." + name + ".routes: names no route under policy.routes: '" +
                          r + "'");
  root.reject_unknown();
  return cfg;
}

Config load_config(const std::filesystem::path& file) {
  std::ifstream in(file);
  if (!in) throw ConfigError(file.string() + ": cannot read the config file");
  std::stringstream ss;
  ss << in.rdbuf();
  Config cfg;
  try {
    cfg = parse_config(ss.str(), file.parent_path().empty() ? "." : file.parent_path());
  } catch (const ConfigError& e) {
    throw ConfigError(file.string() + ": " + e.what());
  }
  cfg.source = file;
  return cfg;
}

}  // namespace perimeter::config
