// Policy: the route table. Given who asks, what the analysis found and which
// model the client named, decide the ordered candidates that may answer and
// what must happen to the request before it leaves the host. Pure data in,
// pure data out: no I/O, so `perimeter analyze` and the server show the same
// Plan the dispatcher follows.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/auth.h"
#include "detect/detector.h"
#include "router/router.h"

namespace YAML {
class Node;
}

namespace perimeter::policy {

// What is done to a request before it goes to a cloud target.
enum class Transform { None, Pseudonymize, Mask };

// "none" / "pseudonymize" / "mask".
const char* transform_name(Transform t);

// A named, ordered list of models to try.
struct Route {
  std::string name;
  std::vector<std::string> targets;     // model ids, tried in order
  std::vector<std::string> fallback;    // model ids tried after every target failed as below
  std::set<std::string> fallback_when;  // "saturated", "error", "timeout"
  std::string adapter;  // LoRA adapter its models decode with, where they have it; "" = none
  bool structured_required = false;  // `structured: required`: requests need a JSON response_format
  bool validate_unenforced = false;  // `unenforced_schema: validate` (else refuse)
};

// `when` matches a request whose effective level is at least `level`, or that
// has a finding of one of `categories` (PII, PHI, SECRET, CODE) or `types`
// (entity types). An empty `when` matches every request.
struct Rule {
  std::optional<detect::Sensitivity> level;
  std::set<std::string> categories;
  std::set<std::string> types;
  bool egress_never = false;       // `egress: never`: matching requests never reach a cloud model
  std::optional<std::string> pii;  // `pii: pseudonymize | mask | block` for cloud targets
};

// The `policy:` config section.
struct PolicyOptions {
  std::map<std::string, Route> routes;         // by route name
  std::map<std::string, std::string> intents;  // intent name or "uncertain" -> route name
  std::vector<Rule> rules;                     // all matching rules apply; strictest wins
  // A client naming a model or route that policy forbids for this request:
  // "local" = serve it from the intent's local candidates instead (stated in
  // the Plan and the response headers), "refuse" = 403.
  std::string on_forbidden = "local";
};

// Facts about a configured model that policy needs.
struct ModelFacts {
  bool cloud = false;              // egress: cloud
  std::set<std::string> adapters;  // names of its LoRA adapters (embedded models)
};

// Reads `policy:` at `key_path` against the configured models (id -> facts)
// and the default model. Absent node = the blueprint defaults (docs/CONFIGURATION.md).
// Throws std::runtime_error("<path>: <rule>") on an unknown key, a route
// naming an unknown model, an intent naming an unknown route, a bad value.
PolicyOptions parse_policy_options(const YAML::Node* node, const std::string& key_path,
                                   const std::map<std::string, ModelFacts>& models,
                                   const std::string& default_model);

// One model the dispatcher may try, in Plan order.
struct Candidate {
  std::string model;                      // model id
  bool cloud = false;                     // data sent there leaves the host
  Transform transform = Transform::None;  // applied before sending (cloud only)
  bool fallback = false;                  // from the route's fallback list
  std::set<std::string> when;             // fallback only: the failures that allow it
  std::string adapter;                    // LoRA adapter to decode with; "" = the base model
};

struct Plan {
  std::string route;                  // route name, or "model:<id>" for a named model
  std::vector<Candidate> candidates;  // never empty
  std::vector<std::string> reasons;   // why each choice was made, for people
  std::set<std::string> blocked;      // categories/types that kept cloud targets out
};

// What decide() needs to know about one request.
struct Request {
  router::Classification intent;
  detect::Sensitivity effective = detect::Sensitivity::Restricted;
  const std::vector<detect::Finding>* findings = nullptr;
  std::string model;  // as the client sent it: "", "auto", a model id or a route name
  const auth::Role* role = nullptr;  // null = no restrictions
  std::string adapter;  // the client's `adapter` field: only models that have it may serve
};

class Policy {
 public:
  Policy(PolicyOptions options, std::map<std::string, ModelFacts> models,
         std::string default_model);

  // The route named `name`, or null (e.g. "model:<id>" plans).
  const Route* route(const std::string& name) const {
    auto it = options_.routes.find(name);
    return it == options_.routes.end() ? nullptr : &it->second;
  }

  // The Plan for `r`. Throws Error: 404 model_not_found (unknown model or
  // route), 403 model_not_allowed (the role may not use the route or any of
  // the candidates), 403 egress_blocked (rules removed every candidate, or a
  // forbidden cloud model was named under on_forbidden: refuse), 400
  // adapter_not_found (no candidate has the adapter the client named).
  Plan decide(const Request& r) const;

 private:
  PolicyOptions options_;
  std::map<std::string, ModelFacts> models_;
  std::string default_model_;
};

// {"route", "candidates": [{"model", "egress", "transform", "fallback", "when", "adapter"
// (when one applies)}], "reasons", "blocked"}
nlohmann::json plan_json(const Plan& p);

}  // namespace perimeter::policy
