#include "policy/policy.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include <yaml-cpp/yaml.h>

#include "core/error.h"

namespace perimeter::policy {
namespace {

constexpr const char* kIntentKeys[] = {"public_fact", "sensitive_extraction", "complex_reasoning",
                                       "uncertain"};
constexpr const char* kDefaultRoute = "default";

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw std::runtime_error(path + ": " + rule);
}

std::string scalar(const YAML::Node& n, const std::string& path) {
  if (!n.IsScalar()) fail(path, "must be a string");
  return n.as<std::string>();
}

std::vector<std::string> string_list(const YAML::Node& n, const std::string& path,
                                     const std::string& what) {
  if (!n.IsSequence()) fail(path, "must be a list of " + what);
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i)
    out.push_back(scalar(n[i], path + "[" + std::to_string(i) + "]"));
  return out;
}

std::string join(const std::vector<std::string>& v, const char* sep = ", ") {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string join(const std::set<std::string>& v, const char* sep = ", ") {
  return join(std::vector<std::string>(v.begin(), v.end()), sep);
}

std::vector<std::string> model_ids(const std::string& path, const YAML::Node& n,
                                   const std::map<std::string, ModelFacts>& models) {
  auto ids = string_list(n, path, "model ids");
  for (size_t i = 0; i < ids.size(); ++i) {
    if (!models.count(ids[i])) {
      std::vector<std::string> known;
      for (const auto& [id, f] : models) known.push_back(id);
      fail(path + "[" + std::to_string(i) + "]",
           "names no model under models: '" + ids[i] + "' (configured: " + join(known) + ")");
    }
  }
  return ids;
}

Route parse_route(const YAML::Node& node, const std::string& name, const std::string& path,
                  const std::map<std::string, ModelFacts>& models) {
  if (!node.IsMap()) fail(path, "must be a mapping {targets, fallback, fallback_when, ...}");
  Route r;
  r.name = name;
  bool when_set = false;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string p = path + "." + key;
    if (key == "targets") {
      r.targets = model_ids(p, kv.second, models);
    } else if (key == "fallback") {
      r.fallback = model_ids(p, kv.second, models);
    } else if (key == "fallback_when") {
      when_set = true;
      for (const auto& w : string_list(kv.second, p, "failures")) {
        if (w != "saturated" && w != "error" && w != "timeout")
          fail(p, "unknown failure '" + w + "' (expected saturated, error, timeout)");
        r.fallback_when.insert(w);
      }
    } else if (key == "adapter") {
      r.adapter = scalar(kv.second, p);
    } else if (key == "structured") {
      const std::string v = scalar(kv.second, p);
      if (v != "required" && v != "optional") fail(p, "must be required or optional");
      r.structured_required = v == "required";
    } else if (key == "unenforced_schema") {
      const std::string v = scalar(kv.second, p);
      if (v != "refuse" && v != "validate") fail(p, "must be refuse or validate");
      r.validate_unenforced = v == "validate";
    } else {
      fail(p,
           "unknown key (expected targets, fallback, fallback_when, adapter, structured, "
           "unenforced_schema)");
    }
  }
  if (!r.adapter.empty()) {
    bool any = false;
    for (const auto* list : {&r.targets, &r.fallback})
      for (const auto& m : *list) any = any || models.at(m).adapters.count(r.adapter);
    if (!any)
      fail(path + ".adapter", "no model of this route has an adapter named '" + r.adapter +
                                  "'; define it under models.<id>.adapters");
  }
  if (r.targets.empty()) fail(path + ".targets", "is required: at least one model id");
  if (when_set && r.fallback.empty())
    fail(path + ".fallback_when",
         "has no effect without a fallback list; add fallback: [model ids]");
  if (when_set && r.fallback_when.empty())
    fail(path + ".fallback_when", "must name at least one of saturated, error, timeout");
  // A fallback list without fallback_when spills on every kind of failure.
  if (!r.fallback.empty() && !when_set) r.fallback_when = {"saturated", "error", "timeout"};
  return r;
}

Rule parse_rule(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) fail(path, "must be a mapping {when, egress, pii}");
  Rule r;
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string p = path + "." + key;
    if (key == "when") {
      if (!kv.second.IsMap() && !kv.second.IsNull())
        fail(p, "must be a mapping {level, categories, types}");
      if (kv.second.IsNull()) continue;
      for (const auto& w : kv.second) {
        const std::string wk = w.first.as<std::string>();
        const std::string wp = p + "." + wk;
        if (wk == "level") {
          try {
            r.level = detect::parse_sensitivity(scalar(w.second, wp));
          } catch (const std::invalid_argument&) {
            fail(wp, "must be one of public, internal, confidential, restricted");
          }
        } else if (wk == "categories") {
          for (auto c : string_list(w.second, wp, "categories")) {
            std::transform(c.begin(), c.end(), c.begin(), ::toupper);
            if (c != "PII" && c != "PHI" && c != "SECRET" && c != "CODE")
              fail(wp, "unknown category '" + c + "' (expected PII, PHI, SECRET, CODE)");
            r.categories.insert(c);
          }
        } else if (wk == "types") {
          for (const auto& t : string_list(w.second, wp, "entity types")) {
            if (!detect::known_entities().count(t))
              fail(wp, "unknown entity type '" + t +
                           "' (perimeter analyze --list-entities prints them)");
            r.types.insert(t);
          }
        } else {
          fail(wp, "unknown key (expected level, categories, types)");
        }
      }
    } else if (key == "egress") {
      if (scalar(kv.second, p) != "never")
        fail(p, "must be 'never' (omit it to allow cloud targets)");
      r.egress_never = true;
    } else if (key == "pii") {
      const std::string v = scalar(kv.second, p);
      if (v != "pseudonymize" && v != "mask" && v != "block")
        fail(p, "must be one of pseudonymize, mask, block");
      r.pii = v;
    } else {
      fail(p, "unknown key (expected when, egress, pii)");
    }
  }
  if (!r.egress_never && !r.pii) fail(path, "does nothing: set egress: never or pii: ...");
  return r;
}

std::vector<Rule> default_rules() {
  Rule never;
  never.level = detect::Sensitivity::Confidential;
  never.egress_never = true;
  Rule pii;
  pii.categories = {"PII"};
  pii.pii = "pseudonymize";
  return {never, pii};
}

int pii_strength(const std::string& action) {
  if (action == "block") return 3;
  if (action == "mask") return 2;
  return 1;  // pseudonymize
}

// What in `r` made `rule` match, e.g. {"PHI", "US_SSN", "confidential"}; empty
// if it did not match. An empty `when` matches with the marker "any request".
std::vector<std::string> match(const Rule& rule, const Request& r) {
  std::vector<std::string> hit;
  if (!rule.level && rule.categories.empty() && rule.types.empty()) return {"any request"};
  if (rule.level && r.effective >= *rule.level)
    hit.push_back(detect::sensitivity_name(r.effective));
  if (r.findings) {
    std::set<std::string> seen;
    for (const auto& f : *r.findings) {
      const std::string cat = detect::category_name(f.category);
      if (rule.categories.count(cat) && seen.insert(cat).second) hit.push_back(cat);
      if (rule.types.count(f.type) && seen.insert(f.type).second) hit.push_back(f.type);
    }
  }
  return hit;
}

std::string describe(const Rule& rule, size_t index) {
  std::string s = "rule " + std::to_string(index + 1) + " (";
  std::vector<std::string> parts;
  if (rule.level) parts.push_back(std::string("level ") + detect::sensitivity_name(*rule.level));
  if (!rule.categories.empty()) parts.push_back("categories " + join(rule.categories));
  if (!rule.types.empty()) parts.push_back("types " + join(rule.types));
  if (parts.empty()) parts.push_back("every request");
  s += join(parts, "; ");
  if (rule.egress_never) s += " -> egress: never";
  if (rule.pii) s += std::string(rule.egress_never ? "," : " ->") + " pii: " + *rule.pii;
  return s + ")";
}

std::string fmt_confidence(double c) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", c);
  return buf;
}

Error egress_blocked(const std::string& message) {
  return Error(403, "permission_error", message, "model", "egress_blocked");
}

}  // namespace

const char* transform_name(Transform t) {
  switch (t) {
    case Transform::Pseudonymize:
      return "pseudonymize";
    case Transform::Mask:
      return "mask";
    case Transform::None:
      break;
  }
  return "none";
}

PolicyOptions parse_policy_options(const YAML::Node* node, const std::string& key_path,
                                   const std::map<std::string, ModelFacts>& models,
                                   const std::string& default_model) {
  if (!models.count(default_model))
    fail(key_path, "the default model '" + default_model + "' is not configured under models");
  PolicyOptions o;
  const bool present = node && node->IsDefined() && !node->IsNull();
  if (present && !node->IsMap())
    fail(key_path, "must be a mapping {routes, intents, rules, on_forbidden}");
  bool rules_set = false;
  if (present) {
    for (const auto& kv : *node) {
      const std::string key = kv.first.as<std::string>();
      const std::string p = key_path + "." + key;
      if (key == "routes") {
        if (!kv.second.IsMap()) fail(p, "must be a mapping of route name -> {targets, ...}");
        for (const auto& r : kv.second) {
          const std::string name = r.first.as<std::string>();
          const std::string rp = p + "." + name;
          if (name.empty() || name == "auto" || name.rfind("model:", 0) == 0)
            fail(rp, "route names may not be empty, 'auto' or start with 'model:'");
          if (models.count(name))
            fail(rp, "is also a model id; a client naming it would be ambiguous, rename the route");
          o.routes.emplace(name, parse_route(r.second, name, rp, models));
        }
        if (o.routes.empty()) fail(p, "must define at least one route (or omit routes:)");
      } else if (key == "intents") {
        if (!kv.second.IsMap()) fail(p, "must be a mapping of intent -> route name");
        for (const auto& i : kv.second) {
          const std::string intent = i.first.as<std::string>();
          const std::string ip = p + "." + intent;
          if (std::find(std::begin(kIntentKeys), std::end(kIntentKeys), intent) ==
              std::end(kIntentKeys))
            fail(ip,
                 "unknown intent (expected public_fact, sensitive_extraction, "
                 "complex_reasoning, uncertain)");
          o.intents[intent] = scalar(i.second, ip);
        }
      } else if (key == "rules") {
        rules_set = true;
        if (!kv.second.IsSequence()) fail(p, "must be a list of {when, egress, pii}");
        for (size_t i = 0; i < kv.second.size(); ++i)
          o.rules.push_back(parse_rule(kv.second[i], p + "[" + std::to_string(i) + "]"));
      } else if (key == "on_forbidden") {
        o.on_forbidden = scalar(kv.second, p);
        if (o.on_forbidden != "local" && o.on_forbidden != "refuse")
          fail(p, "must be 'local' (serve from the intent's local targets) or 'refuse' (403)");
      } else {
        fail(p, "unknown key (expected routes, intents, rules, on_forbidden)");
      }
    }
  }
  if (o.routes.empty()) o.routes[kDefaultRoute] = Route{kDefaultRoute, {default_model}, {}, {}, {}};
  for (const auto& [intent, route] : o.intents)
    if (!o.routes.count(route))
      fail(key_path + ".intents." + intent,
           "names no route under " + key_path + ".routes: '" + route + "'");
  // Unlisted intents go to "default", else wherever uncertain requests go.
  for (const char* intent : kIntentKeys) {
    if (o.intents.count(intent)) continue;
    if (o.routes.count(kDefaultRoute)) {
      o.intents[intent] = kDefaultRoute;
    } else if (o.intents.count("uncertain")) {
      o.intents[intent] = o.intents.at("uncertain");
    } else {
      fail(key_path + ".intents." + intent,
           "is not set and there is no route 'default' or intents.uncertain to use instead; map "
           "it to a route");
    }
  }
  if (!rules_set) o.rules = default_rules();
  return o;
}

Policy::Policy(PolicyOptions options, std::map<std::string, ModelFacts> models,
               std::string default_model)
    : options_(std::move(options)),
      models_(std::move(models)),
      default_model_(std::move(default_model)) {}

Plan Policy::decide(const Request& r) const {
  Plan plan;
  const auth::Role* role = r.role;
  const bool named = !r.model.empty() && r.model != "auto";
  const std::string intent_key =
      r.intent.uncertain ? "uncertain" : router::intent_name(r.intent.intent);
  const Route& intent_route = options_.routes.at(options_.intents.at(intent_key));

  auto is_cloud = [&](const std::string& m) {
    auto it = models_.find(m);
    return it != models_.end() && it->second.cloud;
  };
  auto has_adapter = [&](const std::string& m, const std::string& name) {
    auto it = models_.find(m);
    return it != models_.end() && it->second.adapters.count(name) > 0;
  };
  auto candidates_of = [&](const Route& route) {
    std::vector<Candidate> out;
    std::set<std::string> seen;
    for (const auto& m : route.targets)
      if (seen.insert(m).second) out.push_back({m, is_cloud(m), Transform::None, false, {}, {}});
    for (const auto& m : route.fallback)
      if (seen.insert(m).second)
        out.push_back({m, is_cloud(m), Transform::None, true, route.fallback_when, {}});
    return out;
  };
  auto role_allows_model = [&](const std::string& m) {
    return !role || role->models.empty() ||
           std::find(role->models.begin(), role->models.end(), m) != role->models.end();
  };
  auto role_allows_route = [&](const std::string& name) {
    return !role || role->routes.empty() ||
           std::find(role->routes.begin(), role->routes.end(), name) != role->routes.end();
  };
  auto drop_unallowed = [&](std::vector<Candidate>& cs) {
    std::erase_if(cs, [&](const Candidate& c) {
      if (role_allows_model(c.model)) return false;
      plan.reasons.push_back("dropped " + c.model + ": role '" + role->name + "' may not use it");
      return true;
    });
  };
  auto not_allowed = [&](const std::string& what) {
    std::string allowed = role->routes.empty() ? "" : "routes " + join(role->routes);
    if (!role->models.empty())
      allowed += (allowed.empty() ? "models " : "; models ") + join(role->models);
    return Error(403, "permission_error",
                 "Role '" + role->name + "' may not use " + what + "; it may use " + allowed + ".",
                 "model", "model_not_allowed");
  };

  // 1. Which route: the router's choice, a named route, or a named model.
  std::vector<Candidate> cs;
  if (!named) {
    plan.route = intent_route.name;
    if (r.intent.uncertain)
      plan.reasons.push_back("route " + plan.route + ": the router is uncertain (best guess " +
                             router::intent_name(r.intent.intent) + " at confidence " +
                             fmt_confidence(r.intent.confidence) + ")");
    else
      plan.reasons.push_back("route " + plan.route + ": intent " + intent_key + " at confidence " +
                             fmt_confidence(r.intent.confidence));
    if (!role_allows_route(plan.route)) throw not_allowed("route '" + plan.route + "'");
    cs = candidates_of(intent_route);
  } else if (auto it = options_.routes.find(r.model); it != options_.routes.end()) {
    plan.route = it->first;
    plan.reasons.push_back("route " + plan.route + ": named by the client");
    if (!role_allows_route(plan.route)) throw not_allowed("route '" + plan.route + "'");
    cs = candidates_of(it->second);
  } else if (models_.count(r.model)) {
    plan.route = "model:" + r.model;
    plan.reasons.push_back("model " + r.model + ": named by the client");
    // A role limited to routes may name only the models those routes use.
    bool ok = role_allows_model(r.model);
    if (ok && role && role->models.empty() && !role->routes.empty()) {
      ok = false;
      for (const auto& name : role->routes) {
        auto rt = options_.routes.find(name);
        if (rt == options_.routes.end()) continue;
        const auto& t = rt->second.targets;
        const auto& f = rt->second.fallback;
        if (std::find(t.begin(), t.end(), r.model) != t.end() ||
            std::find(f.begin(), f.end(), r.model) != f.end())
          ok = true;
      }
    }
    if (!ok) throw not_allowed("model '" + r.model + "'");
    cs = {{r.model, is_cloud(r.model), Transform::None, false, {}, {}}};
  } else {
    throw Error(404, "invalid_request_error",
                "The model '" + r.model +
                    "' is neither a model nor a policy route of this gateway. GET /v1/models "
                    "lists them; use \"auto\" to let the router choose.",
                "model", "model_not_found");
  }

  // 2. The role's models.
  if (role) {
    drop_unallowed(cs);
    if (cs.empty()) throw not_allowed("any model of route '" + plan.route + "'");
  }

  // 3. Sensitivity rules. The uncertain fail-safe counts as an egress: never.
  bool no_egress = false;
  std::vector<std::string> no_egress_why;
  std::optional<std::string> pii;
  std::string pii_why;
  std::set<std::string> hits;
  if (!named && r.intent.uncertain) {
    no_egress = true;
    no_egress_why.push_back("the router is uncertain, so the request stays on the host");
  }
  for (size_t i = 0; i < options_.rules.size(); ++i) {
    const Rule& rule = options_.rules[i];
    const auto hit = match(rule, r);
    if (hit.empty()) continue;
    const std::string why = describe(rule, i) + " matched " + join(hit);
    if (rule.egress_never) {
      no_egress = true;
      no_egress_why.push_back(why);
      for (const auto& h : hit) hits.insert(h);
    }
    if (rule.pii && (!pii || pii_strength(*rule.pii) > pii_strength(*pii))) {
      pii = rule.pii;
      pii_why = why;
    }
    if (rule.pii && *rule.pii == "block")
      for (const auto& h : hit) hits.insert(h);
  }
  for (const auto& w : no_egress_why) plan.reasons.push_back(w);
  if (pii) plan.reasons.push_back(pii_why);
  const bool pii_block = pii && *pii == "block";
  if (pii_block) no_egress_why.push_back(pii_why);
  if (no_egress || pii_block) {
    plan.blocked.insert(hits.begin(), hits.end());
    const bool all_cloud =
        std::all_of(cs.begin(), cs.end(), [](const Candidate& c) { return c.cloud; });
    const std::string cause = no_egress ? "egress: never" : "pii: block";
    const std::string because = join(no_egress_why, "; ");
    std::erase_if(cs, [&](const Candidate& c) {
      if (!c.cloud) return false;
      plan.reasons.push_back("dropped " + c.model + ": cloud target removed by " + cause);
      return true;
    });
    const std::string what = hits.empty() ? std::string("this request") : join(hits);
    if (cs.empty() && named && all_cloud) {
      if (options_.on_forbidden == "refuse")
        throw egress_blocked("'" + r.model + "' is a cloud target and policy keeps " + what +
                             " on the host (" + because +
                             "); policy.on_forbidden is refuse. Name a local model or use "
                             "\"auto\".");
      cs = candidates_of(intent_route);
      std::erase_if(cs, [](const Candidate& c) { return c.cloud; });
      if (role) drop_unallowed(cs);
      plan.reasons.push_back("named model " + r.model + " would send " + what +
                             " off the host; served locally instead (route " + intent_route.name +
                             ")");
      plan.route = intent_route.name;
    }
    if (cs.empty())
      throw egress_blocked("Policy keeps " + what + " on the host (" + because + ") and route '" +
                           plan.route +
                           "' has no local target this caller may use. Add a local model to "
                           "the route's targets or fallback in policy.routes.");
  }

  // 4. The LoRA adapter: one the client names restricts the candidates to
  // models that have it; the route's applies where a model has it.
  if (!r.adapter.empty()) {
    std::erase_if(cs, [&](const Candidate& c) {
      if (has_adapter(c.model, r.adapter)) return false;
      plan.reasons.push_back("dropped " + c.model + ": it has no adapter '" + r.adapter + "'");
      return true;
    });
    if (cs.empty())
      throw Error(400, "invalid_request_error",
                  "adapter: no model that route '" + plan.route +
                      "' may use for this request has an adapter named '" + r.adapter +
                      "'. GET /v1/models lists each model's adapters.",
                  "adapter", "adapter_not_found");
  }
  auto route = options_.routes.find(plan.route);
  const std::string adapter = !r.adapter.empty()               ? r.adapter
                              : route != options_.routes.end() ? route->second.adapter
                                                               : std::string();
  for (auto& c : cs) {
    if (adapter.empty()) break;
    if (has_adapter(c.model, adapter)) {
      c.adapter = adapter;
      plan.reasons.push_back(c.model + " decodes with adapter '" + adapter + "'");
    } else {
      plan.reasons.push_back(c.model + " has no adapter '" + adapter + "': base model");
    }
  }

  // 5. The transform for cloud targets: the strictest matching pii action.
  // No matching pii rule = no transform: the rules are the source of truth.
  if (pii) {
    const Transform t = *pii == "mask" ? Transform::Mask : Transform::Pseudonymize;
    for (auto& c : cs)
      if (c.cloud) {
        c.transform = t;
        plan.reasons.push_back(std::string(transform_name(t)) + " before sending to " + c.model);
      }
  }

  // 6. Fallbacks only run after a target failed; with no target left they serve as targets.
  if (cs.front().fallback) {
    for (auto& c : cs) {
      if (!c.fallback) break;
      c.fallback = false;
      c.when.clear();
    }
    plan.reasons.push_back("no target remains; fallback " + cs.front().model +
                           " serves as a target");
  }
  plan.candidates = std::move(cs);
  return plan;
}

nlohmann::json plan_json(const Plan& p) {
  nlohmann::json cands = nlohmann::json::array();
  for (const auto& c : p.candidates) {
    cands.push_back({{"model", c.model},
                     {"egress", c.cloud ? "cloud" : "local"},
                     {"transform", transform_name(c.transform)},
                     {"fallback", c.fallback},
                     {"when", c.when}});
    if (!c.adapter.empty()) cands.back()["adapter"] = c.adapter;
  }
  return {
      {"route", p.route}, {"candidates", cands}, {"reasons", p.reasons}, {"blocked", p.blocked}};
}

}  // namespace perimeter::policy
