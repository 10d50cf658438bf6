// Incremental parser for a text/event-stream body (the WHATWG server-sent
// events format): bytes go in as they arrive, split anywhere; complete events
// come out.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace perimeter::backends {

struct SseEvent {
  std::string event;  // the `event:` field; empty = "message"
  std::string data;   // `data:` lines joined with '\n'
};

class SseParser {
 public:
  // Parses `bytes`, the next piece of the stream, calling `on_event` for
  // every event it completes. Lines may end in LF, CRLF or CR, and a piece
  // may end anywhere (inside a line, a field name or a CRLF pair).
  void feed(std::string_view bytes, const std::function<void(const SseEvent&)>& on_event);

  // Bytes held in a line not yet complete; the caller may bound it.
  size_t buffered() const { return line_.size(); }

 private:
  void line(const std::function<void(const SseEvent&)>& on_event);

  std::string line_;       // the current line, without its terminator
  bool skip_lf_ = false;   // the last piece ended in CR: a following LF belongs to it
  bool has_data_ = false;  // a data field was seen in the current event
  SseEvent event_;
};

}  // namespace perimeter::backends
