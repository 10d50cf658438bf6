// libFuzzer target: the detector on arbitrary bytes. Checks the promises of
// Detector::scan: no crash, spans inside their message, sorted, never
// starting or ending inside a UTF-8 sequence of the input.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "detect/detector.h"

namespace {

const perimeter::detect::Detector& detector() {
  static auto d = [] {
    auto o = perimeter::detect::default_detector_options();
    o.min_confidence = 0;  // exercise every rule's check, not just confident ones
    return perimeter::detect::Detector::create(o);
  }();
  return *d;
}

bool continuation(unsigned char c) {
  return (c & 0xC0) == 0x80;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Split on 0x1E (record separator) so multi-message requests are covered.
  std::string all(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> messages;
  size_t a = 0;
  for (size_t i = 0; i <= all.size(); ++i) {
    if (i == all.size() || all[i] == '\x1e') {
      messages.emplace_back(all.data() + a, i - a);
      a = i + 1;
    }
  }
  auto findings = detector().scan(messages);
  for (size_t k = 0; k < findings.size(); ++k) {
    const auto& f = findings[k];
    if (f.message < 0 || static_cast<size_t>(f.message) >= messages.size()) std::abort();
    std::string_view m = messages[static_cast<size_t>(f.message)];
    if (f.start >= f.end || f.end > m.size()) std::abort();
    if (f.confidence < 0 || f.confidence > 1) std::abort();
    // A span boundary on a continuation byte means a code point was split,
    // unless that byte is a stray one (invalid input) preceded by ASCII.
    if (continuation(static_cast<unsigned char>(m[f.start])) && f.start > 0 &&
        static_cast<unsigned char>(m[f.start - 1]) >= 0xC0) {
      std::abort();
    }
    if (f.end < m.size() && continuation(static_cast<unsigned char>(m[f.end])) &&
        static_cast<unsigned char>(m[f.end - 1]) >= 0xC0) {
      std::abort();
    }
    if (k > 0) {
      const auto& p = findings[k - 1];
      if (p.message > f.message || (p.message == f.message && p.start > f.start)) std::abort();
    }
  }
  return 0;
}
