// Intent router: classifies a conversation as public_fact, sensitive_extraction
// or complex_reasoning on the host, in microseconds, with a calibrated
// confidence. The model is a pinned artefact like every other model: loading
// refuses a file whose sha256 differs from the pin.
#pragma once

#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace YAML {
class Node;
}

namespace perimeter::router {

enum class Intent { PublicFact = 0, SensitiveExtraction = 1, ComplexReasoning = 2 };
inline constexpr size_t kIntentCount = 3;

// "public_fact" / "sensitive_extraction" / "complex_reasoning".
const char* intent_name(Intent intent);

// The intent named `name` (as intent_name spells it), or nullopt.
std::optional<Intent> parse_intent(std::string_view name);

// One message of the conversation; views must outlive the classify() call.
struct Turn {
  std::string_view role;  // "system" | "user" | "assistant" (others count as context)
  std::string_view text;
};

struct Classification {
  Intent intent;                 // argmax of scores
  double confidence;             // scores[intent], calibrated on dev data
  std::array<double, 3> scores;  // calibrated probabilities, indexed by Intent, sum to 1
  bool uncertain;  // confidence < min_confidence, or nothing to classify: route protectively
};

// A router. Implementations are immutable after construction.
class Classifier {
 public:
  virtual ~Classifier();

  // Classifies the conversation: the last user message weighs most, system
  // prompt and earlier turns are context. Thread-safe; never throws; any input
  // (empty, huge, invalid UTF-8) yields a valid Classification.
  virtual Classification classify(std::span<const Turn> conversation) const = 0;
};

// The artefact shipped in the repository, relative to the source/install root,
// and its pinned hash (tests/router checks that the file matches this pin).
inline constexpr std::string_view kBuiltinModelPath = "data/router/intent_linear.bin";
inline constexpr std::string_view kBuiltinModelSha256 =
    "98616c5877644ed1951b2396e15eb72bcbe3abba272f85d7f4c1d826a8922c3c";

// Loads a linear router artefact. Throws std::runtime_error naming both hashes
// if the file's sha256 differs from `expected_sha256` (which is required), and
// on any malformed file or a min_confidence outside [0, 1].
std::unique_ptr<Classifier> load_linear_classifier(const std::filesystem::path& file,
                                                   const std::string& expected_sha256,
                                                   double min_confidence);

// The `router:` section of the YAML config.
struct RouterOptions {
  enum class Kind { Linear, Llm };
  Kind kind = Kind::Linear;
  // Linear: "builtin" or a path to an artefact. Llm: the id of an embedded model.
  std::string model = "builtin";
  std::string sha256;           // pin of a linear artefact; required unless model is builtin
  double min_confidence = 0.7;  // below this the intent is marked uncertain
  int timeout_ms = 5000;        // llm: longest wait for the model's label, then uncertain
};

// Parses `node` (the value under `key_path`, e.g. "router"). Throws
// std::runtime_error("<key_path>.<key>: <rule>") on a bad value or unknown key.
RouterOptions parse_router_options(const YAML::Node& node, const std::string& key_path);

}  // namespace perimeter::router
