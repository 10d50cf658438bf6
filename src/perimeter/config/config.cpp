#include "config/config.h"

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

Model parse_model(MapReader m, const std::string& id, const std::filesystem::path& base_dir) {
  Model model;
  model.id = id;
  auto engine = m.get_string("engine");
  if (!engine) m.fail("engine", "is required (embedded)");
  if (*engine != "embedded") m.fail("engine", "must be one of: embedded (got '" + *engine + "')");
  model.engine = *engine;

  auto path = m.get_string("path");
  if (!path || path->empty()) m.fail("path", "is required: the GGUF file to load");
  model.path = std::filesystem::path(*path);
  if (model.path.is_relative()) model.path = base_dir / model.path;

  auto sha = m.get_string("sha256");
  if (!sha) m.fail("sha256", "is required: pin the model file (sha256sum " + *path + ")");
  if (!is_sha256_hex(*sha)) m.fail("sha256", "must be 64 lowercase hex digits");
  model.sha256 = *sha;

  if (m.has("sampling"))
    parse_sampling(MapReader(m.child("sampling"), m.path_of("sampling")), model.sampling);
  if (auto v = m.get_int("slots", 1, 64)) model.slots = static_cast<int>(*v);
  if (auto v = m.get_int("threads", 0, 256)) model.threads = static_cast<int>(*v);
  if (auto v = m.get_int("context", 16, 1 << 20)) model.context = static_cast<int>(*v);
  if (auto v = m.get_int("queue", 0, 1 << 20)) model.queue = static_cast<int>(*v);
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
  m.reject_unknown();
}

}  // namespace

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
