// UTF-8 helpers for streaming model output, whose tokens may split code points.
#pragma once

#include <string>
#include <string_view>

namespace perimeter {

// Length of the longest prefix of `s` that does not end inside an incomplete
// (but so far valid) multi-byte sequence. Invalid bytes count as complete.
size_t utf8_complete_prefix(std::string_view s);

// `s` with every invalid or truncated sequence replaced by U+FFFD.
std::string utf8_sanitize(std::string_view s);

// True if `s` is well-formed UTF-8.
bool utf8_valid(std::string_view s);

}  // namespace perimeter
