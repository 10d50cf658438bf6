// Shared by the national identifier tests (de/asia/eu/world_ids_test.cpp):
// what the default detector reports for one entity type.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "detect/detector.h"

namespace perimeter::detect::id_test {

// The default detector (min_confidence 0.5, overlaps resolved), built once.
inline const Detector& default_detector() {
  static auto d = Detector::create(default_detector_options());
  return *d;
}

// Byte spans of the findings of `type` in `text`.
inline std::vector<std::pair<size_t, size_t>> spans(const std::string& text,
                                                    const std::string& type) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& f : default_detector().scan({text}))
    if (f.type == type) out.emplace_back(f.start, f.end);
  return out;
}

// True if `type` is reported anywhere in `text`.
inline bool any(const std::string& text, const std::string& type) {
  return !spans(text, type).empty();
}

// True if the first occurrence of `value` in `text` is the one finding of
// `type` there, with exactly its bytes.
inline bool reported(const std::string& text, const std::string& type, const std::string& value) {
  const size_t at = text.find(value);
  const auto s = spans(text, type);
  return at != std::string::npos && s.size() == 1 && s[0] == std::make_pair(at, at + value.size());
}

}  // namespace perimeter::detect::id_test
