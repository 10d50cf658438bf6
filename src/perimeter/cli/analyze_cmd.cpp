// `perimeter analyze` and `perimeter redact`: the detector and the
// pseudonymizer on text from --text, a file or stdin, printing JSON.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "analyze/analyzer.h"
#include "backends/embedded.h"
#include "cli/commands.h"
#include "config/config.h"
#include "core/error.h"
#include "detect/detector.h"
#include "policy/policy.h"
#include "redact/redact.h"

namespace perimeter::cli {
namespace {

struct InputArgs {
  std::string text, file, config;
  bool text_set = false;
};

struct AnalyzeArgs : InputArgs {
  std::string jsonl;
  bool list_entities = false;
  double min_confidence = -1;
};

struct RedactArgs : InputArgs {
  std::string mode = "pseudonymize";
};

std::string read_all(std::istream& in) {
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string input_text(const InputArgs& a) {
  if (a.text_set) return a.text;
  if (!a.file.empty() && a.file != "-") {
    std::ifstream in(a.file, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + a.file);
    return read_all(in);
  }
  return read_all(std::cin);
}

YAML::Node load_yaml(const std::string& config) {
  try {
    return YAML::LoadFile(config);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(config + ": " + e.what());
  }
}

// The `detect:` section of a config file, or the defaults.
detect::DetectorOptions load_options(const std::string& config) {
  if (config.empty()) return detect::default_detector_options();
  return detect::parse_detector_options(load_yaml(config)["detect"], "detect");
}

// A router, and for `router.kind: llm` the embedded model it asks.
struct LoadedRouter {
  std::unique_ptr<backends::Backend> model;  // declared first: outlives the classifier
  std::unique_ptr<router::Classifier> classifier;
};

// The router the config's `router:` section names, or the builtin one. The
// LLM router asks a local model, so for it the whole config is read and that
// model is loaded here (hash-checked), as `perimeter serve` would.
LoadedRouter load_classifier(const std::string& config) {
  LoadedRouter r;
  if (config.empty()) {
    r.classifier = analyze::load_router({}, ".");
    return r;
  }
  const auto options = router::parse_router_options(load_yaml(config)["router"], "router");
  if (options.kind == router::RouterOptions::Kind::Llm) {
    const config::Config cfg = config::load_config(config);
    analyze::check_router_model(cfg);
    std::fprintf(stderr, "perimeter analyze: loading model '%s' for router.kind llm\n",
                 options.model.c_str());
    r.model = std::make_unique<backends::EmbeddedBackend>(cfg.models.at(options.model), nullptr);
    backends::Backend* model = r.model.get();
    r.classifier = analyze::load_router(cfg, [model](const std::string&) { return model; });
    return r;
  }
  const auto base = std::filesystem::path(config).parent_path();
  r.classifier = analyze::load_router(options, base.empty() ? "." : base);
  return r;
}

// The config's policy, when the config defines models (a config holding only
// `detect:` or `router:` still works for findings and intent).
std::optional<policy::Policy> load_policy(const std::string& config) {
  if (config.empty() || !load_yaml(config)["models"]) return std::nullopt;
  const config::Config cfg = config::load_config(config);
  return policy::Policy(cfg.policy, config::model_facts(cfg.models), cfg.default_model);
}

// Findings and sensitivity of `text`, the intent of it as a user message and,
// with a policy, the Plan a request carrying it would get (no principal, the
// router choosing the model, effective level = detected level).
nlohmann::json analyze_text(const detect::Detector& det, const router::Classifier& cls,
                            const detect::DetectorOptions& opt, const policy::Policy* pol,
                            const std::string& text) {
  auto findings = det.scan({text});
  const detect::Sensitivity level = detect::sensitivity_of(findings, opt);
  nlohmann::json out = detect::to_json(findings, level);
  const router::Turn turn{"user", text};
  const router::Classification intent = cls.classify({&turn, 1});
  out["intent"] = analyze::intent_json(intent);
  if (pol) {
    policy::Request req;
    req.intent = intent;
    req.effective = level;
    req.findings = &findings;
    try {
      out["plan"] = policy::plan_json(pol->decide(req));
    } catch (const Error& e) {
      out["plan"] = e.to_json();  // e.g. egress_blocked: what the server would answer
    }
  }
  return out;
}

void print(const nlohmann::json& j) {
  std::string s = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fputc('\n', stdout);
}

void run_analyze(const AnalyzeArgs& a) {
  if (a.list_entities) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [name, cat] : detect::known_entities()) j[name] = detect::category_name(cat);
    print(j);
    return;
  }
  detect::DetectorOptions opt = load_options(a.config);
  if (a.min_confidence >= 0) opt.min_confidence = a.min_confidence;
  auto det = detect::Detector::create(opt);
  const LoadedRouter loaded = load_classifier(a.config);
  const router::Classifier* cls = loaded.classifier.get();
  const std::optional<policy::Policy> pol = load_policy(a.config);
  const policy::Policy* pp = pol ? &*pol : nullptr;
  if (a.jsonl.empty()) {
    print(analyze_text(*det, *cls, opt, pp, input_text(a)));
    return;
  }
  // One JSON object per line in, one result per line out, in order.
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.jsonl != "-") {
    file.open(a.jsonl, std::ios::binary);
    if (!file) throw std::runtime_error("cannot read " + a.jsonl);
    in = &file;
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(*in, line)) {
    ++lineno;
    if (line.empty()) continue;
    nlohmann::json row;
    try {
      row = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(a.jsonl + ":" + std::to_string(lineno) +
                               ": invalid JSON: " + e.what());
    }
    if (!row.is_object() || !row.contains("text") || !row["text"].is_string()) {
      throw std::runtime_error(a.jsonl + ":" + std::to_string(lineno) +
                               ": each line must be an object with a string \"text\"");
    }
    nlohmann::json out = analyze_text(*det, *cls, opt, pp, row["text"].get<std::string>());
    out["id"] = row.contains("id") ? row["id"] : nlohmann::json(lineno);
    print(out);
  }
}

void run_redact(const RedactArgs& a) {
  detect::DetectorOptions opt = load_options(a.config);
  auto det = detect::Detector::create(opt);
  std::string text = input_text(a);
  auto findings = det->scan({text});
  redact::RedactOptions ro;
  ro.mode = redact::parse_mode(a.mode);
  redact::Pseudonymizer p(ro);
  auto out = p.apply({text}, findings);
  nlohmann::json j;
  j["text"] = out[0];
  j["mapping"] = p.mapping_json();
  j["sensitivity"] = detect::sensitivity_name(detect::sensitivity_of(findings, opt));
  print(j);
}

void add_input_options(CLI::App* cmd, InputArgs& a) {
  cmd->add_option("--text", a.text, "Text to analyze (default: stdin)")
      ->each([&a](const std::string&) { a.text_set = true; });
  cmd->add_option("--file", a.file, "Read the text from this file ('-' = stdin)");
  cmd->add_option("-c,--config", a.config,
                  "YAML config whose `detect:` and `router:` sections set the detector and router "
                  "(router.kind llm also loads the embedded model it names); with `models:`, "
                  "analyze also prints the policy's plan");
}

}  // namespace

void add_analyze_commands(CLI::App& app) {
  auto analyze_args = std::make_shared<AnalyzeArgs>();
  CLI::App* analyze = app.add_subcommand(
      "analyze", "Find PII, PHI, credentials and code; print findings and sensitivity as JSON");
  add_input_options(analyze, *analyze_args);
  analyze->add_option("--jsonl", analyze_args->jsonl,
                      "Read {\"id\",\"text\"} objects, one per line; write one result per line");
  analyze
      ->add_option("--min-confidence", analyze_args->min_confidence,
                   "Override the confidence threshold (0..1)")
      ->check(CLI::Range(0.0, 1.0));
  analyze->add_flag("--list-entities", analyze_args->list_entities,
                    "Print the entity types and their categories");
  analyze->callback([analyze_args] { run_analyze(*analyze_args); });

  auto redact_args = std::make_shared<RedactArgs>();
  CLI::App* redact = app.add_subcommand(
      "redact", "Replace findings with placeholders; print the text and the mapping as JSON");
  add_input_options(redact, *redact_args);
  redact->add_option("--mode", redact_args->mode, "pseudonymize (default), mask or drop")
      ->check(CLI::IsMember({"pseudonymize", "mask", "drop"}));
  redact->callback([redact_args] { run_redact(*redact_args); });
}

}  // namespace perimeter::cli
