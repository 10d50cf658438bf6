// The `detect:` config section. Read strictly: every error names its key path
// and the rule, and unknown keys are errors, so a typo never silently
// disables a detector.
#include <phonenumbers/phonenumberutil.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "detect/detector.h"

namespace perimeter::detect {
namespace {

[[noreturn]] void fail(const std::string& path, const std::string& rule) {
  throw std::runtime_error(path + ": " + rule);
}

std::string join(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "." + b;
}

double read_unit(const YAML::Node& n, const std::string& path) {
  double v = 0;
  try {
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    fail(path, "must be a number in [0, 1]");
  }
  if (!(v >= 0.0 && v <= 1.0)) fail(path, "must be in [0, 1]");
  return v;
}

std::vector<std::string> read_list(const YAML::Node& n, const std::string& path) {
  if (!n.IsSequence()) fail(path, "must be a list of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < n.size(); ++i) {
    if (!n[i].IsScalar()) fail(path + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(n[i].as<std::string>());
  }
  return out;
}

// `o` knows the entity types its deny lists add.
void check_entity(const std::string& e, const std::string& path, const DetectorOptions& o) {
  if (!known_entities().count(e) && !o.deny_lists.count(e)) {
    fail(path, "unknown entity '" + e + "' (see `perimeter analyze --list-entities`)");
  }
}

bool is_category(const std::string& s) {
  return s == "PII" || s == "PHI" || s == "SECRET" || s == "CODE";
}

// detect.deny_lists: entity type -> non-empty words. A new type's name is
// upper-case letters, digits and underscores, like the built-in ones.
void read_deny_lists(const YAML::Node& v, const std::string& path, DetectorOptions& o) {
  if (!v.IsMap()) fail(path, "must be a mapping of entity type to a list of words");
  for (const auto& t : v) {
    const std::string e = t.first.as<std::string>();
    const std::string p = join(path, e);
    bool name_ok = !e.empty() && std::isupper(static_cast<unsigned char>(e[0]));
    for (unsigned char c : e) name_ok = name_ok && (std::isupper(c) || std::isdigit(c) || c == '_');
    if (!name_ok)
      fail(p, "entity type must be upper-case letters, digits and _ (like PROJECT_NAME)");
    auto words = read_list(t.second, p);
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i].empty()) fail(p + "[" + std::to_string(i) + "]", "must not be empty");
    }
    o.deny_lists[e] = std::move(words);
  }
}

}  // namespace

DetectorOptions parse_detector_options(const YAML::Node& node, const std::string& key_path) {
  DetectorOptions o = default_detector_options();
  if (!node || node.IsNull()) return o;
  if (!node.IsMap()) fail(key_path, "must be a mapping");
  // First, so that the other keys may name the types it adds.
  if (node["deny_lists"]) read_deny_lists(node["deny_lists"], join(key_path, "deny_lists"), o);
  for (const auto& kv : node) {
    const std::string key = kv.first.as<std::string>();
    const std::string path = join(key_path, key);
    const YAML::Node& v = kv.second;
    if (key == "enabled" || key == "disabled") {
      auto& set = key == "enabled" ? o.enabled : o.disabled;
      auto list = read_list(v, path);
      for (size_t i = 0; i < list.size(); ++i) {
        check_entity(list[i], path + "[" + std::to_string(i) + "]", o);
        set.insert(list[i]);
      }
    } else if (key == "min_confidence") {
      o.min_confidence = read_unit(v, path);
    } else if (key == "code_threshold") {
      o.code_threshold = read_unit(v, path);
    } else if (key == "thresholds") {
      if (!v.IsMap()) fail(path, "must be a mapping of entity to number");
      for (const auto& t : v) {
        std::string e = t.first.as<std::string>();
        check_entity(e, join(path, e), o);
        o.thresholds[e] = read_unit(t.second, join(path, e));
      }
    } else if (key == "allow_values") {
      for (auto& s : read_list(v, path)) {
        std::transform(s.begin(), s.end(), s.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        o.allow_values.insert(s);
      }
    } else if (key == "allow_domains") {
      auto list = read_list(v, path);
      for (size_t i = 0; i < list.size(); ++i) {
        std::string d = list[i];
        std::transform(d.begin(), d.end(), d.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (d.empty() || d.find_first_of(" /@:") != std::string::npos ||
            d.find('.') == std::string::npos) {
          fail(path + "[" + std::to_string(i) + "]", "must be a domain name like example.com");
        }
        o.allow_domains.insert(d);
      }
    } else if (key == "sensitivity") {
      if (!v.IsMap()) fail(path, "must be a mapping of entity or category to level");
      for (const auto& t : v) {
        std::string e = t.first.as<std::string>();
        std::string p = join(path, e);
        if (!is_category(e)) check_entity(e, p, o);
        if (!t.second.IsScalar())
          fail(p, "must be one of public, internal, confidential, restricted");
        try {
          o.sensitivity[e] = parse_sensitivity(t.second.as<std::string>());
        } catch (const std::invalid_argument&) {
          fail(p, "must be one of public, internal, confidential, restricted");
        }
      }
    } else if (key == "deny_lists") {
      // read above
    } else if (key == "phone_regions") {
      std::set<std::string> known;
      i18n::phonenumbers::PhoneNumberUtil::GetInstance()->GetSupportedRegions(&known);
      auto list = read_list(v, path);
      for (size_t i = 0; i < list.size(); ++i) {
        if (!known.count(list[i])) {
          fail(
              path + "[" + std::to_string(i) + "]",
              "unknown region '" + list[i] + "' (use a two-letter ISO 3166 code such as TR or PH)");
        }
        o.phone_regions.push_back(list[i]);
      }
    } else {
      fail(path,
           "unknown key (expected enabled, disabled, min_confidence, thresholds, "
           "allow_values, allow_domains, sensitivity, code_threshold, phone_regions, deny_lists)");
    }
  }
  return o;
}

}  // namespace perimeter::detect
