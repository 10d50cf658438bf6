#include "router/dataset.h"

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace perimeter::router {

const char* split_name(Split split) {
  switch (split) {
    case Split::Train:
      return "train";
    case Split::Dev:
      return "dev";
    case Split::Test:
      return "test";
  }
  return "train";
}

uint64_t fnv1a64(std::string_view s) {
  uint64_t h = 14695981039346656037ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

Split split_of(const Example& e) {
  uint64_t b = fnv1a64(e.group.empty() ? e.text : e.group) % 100;
  return b < 80 ? Split::Train : b < 90 ? Split::Dev : Split::Test;
}

std::vector<Example> load_examples(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(file.string() + ": cannot open");
  std::vector<Example> out;
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    auto where = [&] { return file.string() + ":" + std::to_string(lineno) + ": "; };
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception& e) {
      throw std::runtime_error(where() + "invalid JSON: " + e.what());
    }
    if (!j.is_object()) throw std::runtime_error(where() + "expected a JSON object");
    Example ex;
    for (auto& [key, value] : j.items()) {
      if (key == "turns") {
        if (!value.is_array()) throw std::runtime_error(where() + "'turns' must be an array");
        for (const auto& t : value) {
          if (!t.is_object() || t.size() != 2 || !t.contains("role") || !t.contains("text") ||
              !t["role"].is_string() || !t["text"].is_string())
            throw std::runtime_error(where() + "each turn must be {\"role\": str, \"text\": str}");
          ex.turns.emplace_back(t["role"].get<std::string>(), t["text"].get<std::string>());
        }
        continue;
      }
      if (!value.is_string())
        throw std::runtime_error(where() + "field '" + key + "' must be a string");
      const std::string& v = value.get_ref<const std::string&>();
      if (key == "text") {
        ex.text = v;
      } else if (key == "label") {
        auto intent = parse_intent(v);
        if (!intent) throw std::runtime_error(where() + "unknown label '" + v + "'");
        ex.label = *intent;
      } else if (key == "system") {
        ex.system = v;
      } else if (key == "lang") {
        ex.lang = v;
      } else if (key == "group") {
        ex.group = v;
      } else {
        throw std::runtime_error(where() + "unknown field '" + key + "'");
      }
    }
    if (!j.contains("text") || !j.contains("label"))
      throw std::runtime_error(where() + "needs \"text\" and \"label\"");
    out.push_back(std::move(ex));
  }
  return out;
}

std::vector<Turn> conversation_of(const Example& e) {
  std::vector<Turn> conv;
  conv.reserve(e.turns.size() + 2);
  if (!e.system.empty()) conv.push_back(Turn{"system", e.system});
  for (const auto& [role, text] : e.turns) conv.push_back(Turn{role, text});
  conv.push_back(Turn{"user", e.text});
  return conv;
}

std::vector<Example> select_split(const std::vector<Example>& all, Split split) {
  std::vector<Example> out;
  for (const Example& e : all)
    if (split_of(e) == split) out.push_back(e);
  return out;
}

}  // namespace perimeter::router
