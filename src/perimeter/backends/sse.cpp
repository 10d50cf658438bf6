#include "backends/sse.h"

namespace perimeter::backends {

void SseParser::feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event) {
  for (size_t i = 0; i < bytes.size();) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (bytes[i] == '\n') {
        ++i;
        continue;
      }
    }
    const size_t end = bytes.find_first_of("\r\n", i);
    if (end == std::string_view::npos) {
      line_.append(bytes.substr(i));
      return;
    }
    line_.append(bytes.substr(i, end - i));
    skip_lf_ = bytes[end] == '\r';
    i = end + 1;
    line(on_event);
  }
}

void SseParser::line(const std::function<void(const SseEvent&)>& on_event) {
  std::string_view l(line_);
  if (l.empty()) {  // blank line: dispatch
    if (has_data_) on_event(event_);
    event_ = SseEvent{};
    has_data_ = false;
  } else if (l[0] != ':') {  // ':' starts a comment
    const size_t colon = l.find(':');
    std::string_view field = l.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view{} : l.substr(colon + 1);
    if (!value.empty() && value[0] == ' ') value.remove_prefix(1);
    if (field == "data") {
      if (has_data_) event_.data += '\n';
      event_.data.append(value);
      has_data_ = true;
    } else if (field == "event") {
      event_.event = std::string(value);
    }  // id, retry and unknown fields do not matter here
  }
  line_.clear();
}

}  // namespace perimeter::backends
