#include "support/http_client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace perimeter::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;

HttpResponse read_response(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                           bool* keep_alive) {
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(1ull << 30);
  bhttp::read(stream, buffer, parser);
  auto res = parser.release();
  HttpResponse out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = std::move(res.body());
  if (keep_alive) *keep_alive = res.keep_alive();
  return out;
}

HttpResponse http_request(uint16_t port, const std::string& method, const std::string& target,
                          const std::string& body, const std::string& content_type,
                          const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(method), target, 11};
  req.set(bhttp::field::host, "127.0.0.1");
  if (!body.empty()) req.set(bhttp::field::content_type, content_type);
  for (const auto& [name, value] : headers) req.set(name, value);
  req.body() = body;
  req.prepare_payload();
  bhttp::write(stream, req);
  beast::flat_buffer buf;
  HttpResponse out = read_response(stream, buf);
  beast::error_code ec;
  stream.socket().shutdown(net::ip::tcp::socket::shutdown_both, ec);
  return out;
}

HttpResponse post_chat(uint16_t port, const nlohmann::json& body,
                       const std::map<std::string, std::string>& headers) {
  return http_request(port, "POST", "/v1/chat/completions", body.dump(), "application/json",
                      headers);
}

std::vector<std::string> sse_payloads(const std::string& body) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos < body.size()) {
    size_t end = body.find('\n', pos);
    if (end == std::string::npos) end = body.size();
    const std::string line = body.substr(pos, end - pos);
    if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
    pos = end + 1;
  }
  return out;
}

std::string sse_content(const std::string& body) {
  std::string text;
  for (const auto& p : sse_payloads(body)) {
    if (p == "[DONE]") break;
    auto j = nlohmann::json::parse(p);
    if (j.contains("choices") && !j["choices"].empty()) {
      const auto& d = j["choices"][0]["delta"];
      if (d.contains("content") && d["content"].is_string())
        text += d["content"].get<std::string>();
    }
  }
  return text;
}

}  // namespace perimeter::testing
