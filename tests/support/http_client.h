// A minimal blocking HTTP/1.1 client (Boost.Beast) for integration tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <boost/beast/core.hpp>
#include <nlohmann/json.hpp>

namespace perimeter::testing {

struct HttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lowercase names
  std::string body;

  // The body parsed as JSON (throws if it is not JSON).
  nlohmann::json json() const { return nlohmann::json::parse(body); }
};

// Reads one whole response from `stream` (bodies up to 1 GiB); sets
// `*keep_alive` to whether the server keeps the connection open.
HttpResponse read_response(boost::beast::tcp_stream& stream, boost::beast::flat_buffer& buffer,
                           bool* keep_alive = nullptr);

// Sends one request on a fresh connection and reads the whole response.
HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body = "",
                          const std::string& content_type = "application/json",
                          const std::map<std::string, std::string>& headers = {});

// POSTs a JSON body to /v1/chat/completions.
HttpResponse post_chat(uint16_t port, const nlohmann::json& body,
                       const std::map<std::string, std::string>& headers = {});

// Splits an SSE body into the payloads of its "data:" lines.
std::vector<std::string> sse_payloads(const std::string& body);

// Concatenates the delta contents of a chat completion SSE body.
std::string sse_content(const std::string& body);

}  // namespace perimeter::testing
