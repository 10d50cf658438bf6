// A fake OpenAI-compatible upstream ("the fake cloud") for tests: an
// in-process HTTP/1.1 server on an ephemeral loopback port that answers
// POST .../chat/completions as JSON or SSE (with the usage chunk when asked),
// records every raw byte it receives, and can be scripted to fail (or to
// hold requests open: first_byte_delay). GETs answer canned load reports.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace perimeter::testing {

// How the fake answers one request.
struct FakeBehaviour {
  int status = 200;  // not 200: an OpenAI error body with this status
  std::string error_message = "fake upstream failure";
  std::map<std::string, std::string> headers;     // extra response headers (e.g. Retry-After)
  std::chrono::milliseconds first_byte_delay{0};  // before anything is written
  std::chrono::milliseconds chunk_delay{0};       // between SSE events
  int reset_after_events = -1;  // SSE: after this many content events, reset (RST) the connection
  size_t split_bytes = 0;       // SSE: write the body in pieces of this many bytes (0 = per event)
  bool close_after = false;     // Connection: close after this answer
};

class FakeOpenAI {
 public:
  // Listens on 127.0.0.1, an ephemeral port.
  FakeOpenAI();
  ~FakeOpenAI();

  uint16_t port() const { return port_; }
  // The API base to configure: http://127.0.0.1:PORT/v1
  std::string url() const;

  // The answer text, as the pieces the stream sends one per event; the
  // non-streamed answer is their concatenation. Usage reported with it.
  void set_answer(std::vector<std::string> pieces, int prompt_tokens = 7,
                  int completion_tokens = 3);
  // Behaviour of the next requests, one entry each, in order; once used up,
  // `set_default`'s (200 by default).
  void push(FakeBehaviour b);
  void set_default(FakeBehaviour b);

  // GET `target` (e.g. /slots, /metrics) answers `body` as `content_type`
  // with `status` from now on; other GETs get 404. GETs are not requests().
  void set_get(const std::string& target, std::string body, int status = 200,
               std::string content_type = "application/json");
  size_t get_count() const { return gets_.load(); }

  // Called with each chat request's raw bytes once received, before the
  // fake answers it (on the fake's connection thread).
  void on_request(std::function<void(const std::string& raw)> hook);

  // Raw bytes received on every connection (headers and bodies), in order.
  std::string received() const;
  // The complete requests received so far: each one's raw bytes.
  std::vector<std::string> requests() const;
  size_t request_count() const;
  // Parsed JSON bodies of the requests.
  std::vector<nlohmann::json> bodies() const;
  size_t connections_accepted() const { return accepted_.load(); }
  // Connections currently open (closed by either side, they leave).
  int open_connections() const { return open_.load(); }
  // Streams the client abandoned: a write failed because the peer closed.
  int aborted_streams() const { return aborted_.load(); }
  // Waits (bounded) until `pred` holds; true if it did.
  template <class Pred>
  bool wait_until(Pred pred, std::chrono::milliseconds limit = std::chrono::seconds(10)) const {
    const auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return pred();
  }

 private:
  struct Impl;
  void serve(int fd);
  FakeBehaviour next_behaviour();

  std::unique_ptr<Impl> impl_;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::string received_;
  std::vector<std::string> requests_;
  std::deque<FakeBehaviour> script_;
  std::function<void(const std::string&)> on_request_;
  FakeBehaviour default_;
  std::vector<std::string> pieces_{"Hello", ", ", "world", "!"};
  int prompt_tokens_ = 7, completion_tokens_ = 3;
  std::atomic<size_t> accepted_{0};
  std::atomic<int> open_{0};
  std::atomic<int> aborted_{0};
  std::atomic<size_t> gets_{0};
  struct Canned {
    int status;
    std::string body, content_type;
  };
  std::map<std::string, Canned> get_answers_;
};

}  // namespace perimeter::testing
