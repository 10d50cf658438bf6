// A blocking HTTP/1.1 client that keeps one connection open across requests
// (keep-alive), for tests that send thousands of requests without leaving a
// TIME_WAIT socket behind each. Reconnects if the server closed the
// connection. Header-only; not thread-safe (one per thread).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "support/http_client.h"

namespace perimeter::testing {

class HttpSession {
 public:
  explicit HttpSession(uint16_t port) : port_(port) {}

  // POSTs `body` as JSON to `target` and reads the whole response.
  HttpResponse post(const std::string& target, const std::string& body) {
    namespace bhttp = boost::beast::http;
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, target, 11};
    req.set(bhttp::field::host, "127.0.0.1");
    req.set(bhttp::field::content_type, "application/json");
    req.keep_alive(true);
    req.body() = body;
    req.prepare_payload();
    // A connection the server closed while idle fails on first use: one retry.
    for (int attempt = 0;; ++attempt) {
      try {
        if (!stream_) connect();
        bhttp::write(*stream_, req);
        bool keep_alive = false;
        HttpResponse out = read_response(*stream_, buffer_, &keep_alive);
        if (!keep_alive) stream_.reset();
        return out;
      } catch (const boost::system::system_error&) {
        stream_.reset();
        if (attempt > 0) throw;
      }
    }
  }

  HttpResponse post_chat(const nlohmann::json& body) {
    return post("/v1/chat/completions", body.dump());
  }

 private:
  void connect() {
    namespace net = boost::asio;
    buffer_.clear();
    stream_.emplace(ioc_);
    stream_->connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port_));
  }

  uint16_t port_;
  boost::asio::io_context ioc_;
  std::optional<boost::beast::tcp_stream> stream_;
  boost::beast::flat_buffer buffer_;
};

}  // namespace perimeter::testing
