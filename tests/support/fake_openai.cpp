#include "support/fake_openai.h"

#include <sys/socket.h>

#include <set>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace perimeter::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;

// Blocking sockets, a thread per connection: simple, and every byte read is
// recorded before it is parsed.
struct FakeOpenAI::Impl {
  net::io_context ioc;
  tcp::acceptor acceptor{ioc};
  std::thread accept_thread;
  std::mutex mutex;
  std::vector<std::thread> threads;
  std::set<int> fds;  // open connection sockets, for shutdown on stop
  std::atomic<bool> stopping{false};
};

FakeOpenAI::FakeOpenAI() : impl_(std::make_unique<Impl>()) {
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  impl_->accept_thread = std::thread([this] {
    for (;;) {
      beast::error_code ec;
      tcp::socket s(impl_->ioc);
      impl_->acceptor.accept(s, ec);
      if (impl_->stopping) return;
      if (ec) continue;
      ++accepted_;
      ++open_;
      s.set_option(tcp::no_delay(true), ec);
      const int fd = s.release(ec);
      std::lock_guard lock(impl_->mutex);
      impl_->fds.insert(fd);
      impl_->threads.emplace_back([this, fd] { serve(fd); });
    }
  });
}

FakeOpenAI::~FakeOpenAI() {
  impl_->stopping = true;
  ::shutdown(impl_->acceptor.native_handle(), SHUT_RDWR);
  impl_->accept_thread.join();
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mutex);
    for (int fd : impl_->fds) ::shutdown(fd, SHUT_RDWR);
    threads = std::move(impl_->threads);
  }
  for (auto& t : threads) t.join();
}

std::string FakeOpenAI::url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeOpenAI::set_answer(std::vector<std::string> pieces, int prompt_tokens,
                            int completion_tokens) {
  std::lock_guard lock(mutex_);
  pieces_ = std::move(pieces);
  prompt_tokens_ = prompt_tokens;
  completion_tokens_ = completion_tokens;
}

void FakeOpenAI::push(FakeBehaviour b) {
  std::lock_guard lock(mutex_);
  script_.push_back(std::move(b));
}

void FakeOpenAI::on_request(std::function<void(const std::string&)> hook) {
  std::lock_guard lock(mutex_);
  on_request_ = std::move(hook);
}

void FakeOpenAI::set_default(FakeBehaviour b) {
  std::lock_guard lock(mutex_);
  default_ = std::move(b);
}

std::string FakeOpenAI::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

std::vector<std::string> FakeOpenAI::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

size_t FakeOpenAI::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

std::vector<json> FakeOpenAI::bodies() const {
  std::vector<json> out;
  for (const auto& r : requests()) {
    const size_t h = r.find("\r\n\r\n");
    out.push_back(json::parse(h == std::string::npos ? "" : r.substr(h + 4), nullptr, false));
  }
  return out;
}

void FakeOpenAI::set_get(const std::string& target, std::string body, int status,
                         std::string content_type) {
  std::lock_guard lock(mutex_);
  get_answers_[target] = {status, std::move(body), std::move(content_type)};
}

FakeBehaviour FakeOpenAI::next_behaviour() {
  std::lock_guard lock(mutex_);
  if (script_.empty()) return default_;
  FakeBehaviour b = std::move(script_.front());
  script_.pop_front();
  return b;
}

namespace {

// Sleeps up to `d`, returning early when `stopping`.
void nap(std::chrono::milliseconds d, const std::atomic<bool>& stopping) {
  const auto end = std::chrono::steady_clock::now() + d;
  while (!stopping && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
}

std::string chunk(const std::string& data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + data + "\r\n";
}

}  // namespace

void FakeOpenAI::serve(int fd) {
  tcp::socket sock(impl_->ioc, tcp::v4(), fd);
  std::string pending;
  char buf[8192];
  beast::error_code ec;
  auto write = [&](const std::string& bytes) {
    net::write(sock, net::buffer(bytes), ec);
    return !ec;
  };
  while (!impl_->stopping) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(64u << 20);
    parser.eager(true);
    std::string raw;
    while (!parser.is_done()) {
      size_t used = 0;
      if (!pending.empty()) {
        used = parser.put(net::buffer(pending), ec);
        if (ec == bhttp::error::need_more) ec = {};
        if (ec) break;
        raw.append(pending, 0, used);
        pending.erase(0, used);
      }
      if (parser.is_done()) break;
      if (used == 0 || pending.empty()) {
        const size_t n = sock.read_some(net::buffer(buf), ec);
        if (ec) break;
        std::lock_guard lock(mutex_);
        received_.append(buf, n);
        pending.append(buf, n);
      }
    }
    if (ec || !parser.is_done()) break;
    if (parser.get().method() == bhttp::verb::get) {
      ++gets_;
      Canned c{404, R"({"error":{"message":"not found"}})", "application/json"};
      {
        std::lock_guard lock(mutex_);
        auto it = get_answers_.find(std::string(parser.get().target()));
        if (it != get_answers_.end()) c = it->second;
      }
      if (!write("HTTP/1.1 " + std::to_string(c.status) +
                 " Fake\r\nContent-Type: " + c.content_type +
                 "\r\nContent-Length: " + std::to_string(c.body.size()) + "\r\n\r\n" + c.body))
        break;
      continue;
    }
    std::function<void(const std::string&)> hook;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(raw);
      hook = on_request_;
    }
    if (hook) hook(raw);
    const auto& req = parser.get();
    const FakeBehaviour b = next_behaviour();
    nap(b.first_byte_delay, impl_->stopping);
    if (impl_->stopping) break;
    const bool keep = req.keep_alive() && !b.close_after;
    std::string head;
    for (const auto& [k, v] : b.headers) head += k + ": " + v + "\r\n";
    head += keep ? "Connection: keep-alive\r\n" : "Connection: close\r\n";

    if (b.status != 200) {
      const std::string body = json{
          {"error",
           {{"message", b.error_message},
            {"type", b.status == 429 ? "rate_limit_error" : "server_error"},
            {"param", nullptr},
            {"code", nullptr}}}}.dump();
      if (!write("HTTP/1.1 " + std::to_string(b.status) + " Fake\r\n" + head +
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body))
        break;
      if (!keep) break;
      continue;
    }
    const json in = json::parse(req.body(), nullptr, false);
    std::vector<std::string> pieces;
    int pt, ct;
    {
      std::lock_guard lock(mutex_);
      pieces = pieces_;
      pt = prompt_tokens_;
      ct = completion_tokens_;
    }
    const std::string model = in.is_object() && in.contains("model") && in["model"].is_string()
                                  ? in["model"].get<std::string>()
                                  : "fake";
    const bool stream = in.is_object() && in.value("stream", false);
    const json usage = {
        {"prompt_tokens", pt}, {"completion_tokens", ct}, {"total_tokens", pt + ct}};
    if (!stream) {
      std::string text;
      for (const auto& p : pieces) text += p;
      const std::string body = json{
          {"id", "chatcmpl-fake"},
          {"object", "chat.completion"},
          {"created", 0},
          {"model", model},
          {"choices",
           {{{"index", 0},
             {"message", {{"role", "assistant"}, {"content", text}}},
             {"finish_reason", "stop"}}}},
          {"usage", usage}}.dump();
      if (!write("HTTP/1.1 200 OK\r\n" + head +
                 "Content-Type: application/json\r\nContent-Length: " +
                 std::to_string(body.size()) + "\r\n\r\n" + body))
        break;
      if (!keep) break;
      continue;
    }
    const bool with_usage = in.contains("stream_options") && in["stream_options"].is_object() &&
                            in["stream_options"].value("include_usage", false);
    auto event = [&](json choices, const json& u) {
      json j = {{"id", "chatcmpl-fake"},
                {"object", "chat.completion.chunk"},
                {"created", 0},
                {"model", model},
                {"choices", std::move(choices)}};
      if (with_usage) j["usage"] = u;
      return "data: " + j.dump() + "\n\n";
    };
    if (!write("HTTP/1.1 200 OK\r\n" + head +
               "Content-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"))
      break;
    std::vector<std::string> events;
    events.push_back(event({{{"index", 0},
                             {"delta", {{"role", "assistant"}, {"content", ""}}},
                             {"finish_reason", nullptr}}},
                           nullptr));
    for (const auto& p : pieces)
      events.push_back(event(
          {{{"index", 0}, {"delta", {{"content", p}}}, {"finish_reason", nullptr}}}, nullptr));
    events.push_back(
        event({{{"index", 0}, {"delta", json::object()}, {"finish_reason", "stop"}}}, nullptr));
    if (with_usage) events.push_back(event(json::array(), usage));
    events.push_back("data: [DONE]\n\n");
    bool ok = true;
    int content_events = 0;
    for (size_t i = 0; i < events.size() && ok; ++i) {
      if (i > 0) nap(b.chunk_delay, impl_->stopping);
      if (b.reset_after_events >= 0 && i >= 1 && content_events >= b.reset_after_events) {
        sock.set_option(net::socket_base::linger(true, 0), ec);
        ok = false;  // close below sends RST
        break;
      }
      const std::string& e = events[i];
      if (b.split_bytes == 0) {
        ok = write(chunk(e));
      } else {
        for (size_t at = 0; at < e.size() && ok; at += b.split_bytes) {
          ok = write(chunk(e.substr(at, b.split_bytes)));
          std::this_thread::sleep_for(std::chrono::microseconds(200));
        }
      }
      if (i >= 1 && i <= pieces.size()) ++content_events;
      if (!ok && ec) ++aborted_;
    }
    if (!ok) break;
    if (!write("0\r\n\r\n")) break;
    if (!keep) break;
  }
  {
    std::lock_guard lock(impl_->mutex);
    impl_->fds.erase(fd);
    sock.close(ec);
  }
  --open_;
}

}  // namespace perimeter::testing
