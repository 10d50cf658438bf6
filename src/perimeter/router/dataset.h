// Labelled router data (JSONL) and its fixed train/dev/test split.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "router/router.h"

namespace perimeter::router {

// One line of data/router/*.jsonl:
//   {"text": ..., "label": ..., "system"?: ..., "lang"?: ..., "group"?: ...,
//    "turns"?: [{"role": ..., "text": ...}, ...]}
// "turns" are earlier messages of a multi-turn conversation; "text" is the
// final user message.
// "group" ties examples generated from one template or one core prompt so the
// split keeps them on the same side; it defaults to the text itself.
struct Example {
  std::string text;
  std::string system;
  Intent label = Intent::PublicFact;
  std::string lang;
  std::string group;
  std::vector<std::pair<std::string, std::string>> turns;  // (role, text), oldest first
};

// The conversation an example stands for: optional system turn, earlier
// turns, then the user turn. Views into `example`, which must outlive them.
std::vector<Turn> conversation_of(const Example& example);

enum class Split { Train, Dev, Test };

// "train" / "dev" / "test".
const char* split_name(Split split);

// FNV-1a 64 of `s`: the split hash, simple enough to mirror in the generator.
uint64_t fnv1a64(std::string_view s);

// The example's split: fnv1a64(group, else text) % 100 -> [0,80) train,
// [80,90) dev, [90,100) test. Fixed by the data alone.
Split split_of(const Example& example);

// Reads a JSONL file; throws std::runtime_error("<file>:<line>: <why>").
std::vector<Example> load_examples(const std::filesystem::path& file);

// The examples of `split`, in file order.
std::vector<Example> select_split(const std::vector<Example>& all, Split split);

}  // namespace perimeter::router
