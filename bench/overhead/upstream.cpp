// A fast loopback OpenAI-compatible upstream for the overhead benchmark:
// POST .../chat/completions answers a fixed short completion with usage, as
// JSON or as SSE (usage chunk when stream_options.include_usage). One thread
// per keep-alive connection: blocking I/O on loopback has the lowest latency
// and the load generators hold only a few dozen connections.
//
//   overhead_upstream PORT
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using nlohmann::json;

namespace {

constexpr const char* kPieces[] = {"Noted", ": ", "I will ", "reply ", "to ", "the ", "address."};
constexpr int kPromptTokens = 24, kCompletionTokens = 7;

// The non-streamed answer for `model`.
std::string json_answer(const std::string& model) {
  std::string text;
  for (const char* p : kPieces) text += p;
  json j = {{"id", "chatcmpl-bench"},
            {"object", "chat.completion"},
            {"created", 1767225600},
            {"model", model},
            {"choices", json::array({{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", text}}},
                                      {"finish_reason", "stop"}}})},
            {"usage",
             {{"prompt_tokens", kPromptTokens},
              {"completion_tokens", kCompletionTokens},
              {"total_tokens", kPromptTokens + kCompletionTokens}}}};
  return j.dump();
}

// The streamed answer for `model`: the whole SSE body, written at once.
std::string sse_answer(const std::string& model, bool include_usage) {
  auto chunk = [&](json delta, json finish) {
    json c = {
        {"id", "chatcmpl-bench"},
        {"object", "chat.completion.chunk"},
        {"created", 1767225600},
        {"model", model},
        {"choices", json::array({{{"index", 0}, {"delta", delta}, {"finish_reason", finish}}})}};
    return "data: " + c.dump() + "\n\n";
  };
  std::string out = chunk({{"role", "assistant"}, {"content", ""}}, nullptr);
  for (const char* p : kPieces) out += chunk({{"content", p}}, nullptr);
  out += chunk(json::object(), "stop");
  if (include_usage) {
    json u = {{"id", "chatcmpl-bench"},
              {"object", "chat.completion.chunk"},
              {"created", 1767225600},
              {"model", model},
              {"choices", json::array()},
              {"usage",
               {{"prompt_tokens", kPromptTokens},
                {"completion_tokens", kCompletionTokens},
                {"total_tokens", kPromptTokens + kCompletionTokens}}}};
    out += "data: " + u.dump() + "\n\n";
  }
  out += "data: [DONE]\n\n";
  return out;
}

http::response<http::string_body> answer(const http::request<http::string_body>& req) {
  http::response<http::string_body> res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  const auto target = req.target();
  if (req.method() != http::verb::post || target.size() < 17 ||
      target.substr(target.size() - 17) != "/chat/completions") {
    res.result(http::status::not_found);
    res.set(http::field::content_type, "application/json");
    res.body() =
        R"({"error":{"message":"only POST /v1/chat/completions","type":"invalid_request_error"}})";
    res.prepare_payload();
    return res;
  }
  const json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    res.result(http::status::bad_request);
    res.set(http::field::content_type, "application/json");
    res.body() =
        R"({"error":{"message":"body is not a JSON object","type":"invalid_request_error"}})";
    res.prepare_payload();
    return res;
  }
  const std::string model = body.value("model", "bench");
  if (body.value("stream", false)) {
    bool usage = false;
    if (auto it = body.find("stream_options"); it != body.end() && it->is_object())
      usage = it->value("include_usage", false);
    res.set(http::field::content_type, "text/event-stream");
    res.set(http::field::cache_control, "no-cache");
    res.body() = sse_answer(model, usage);
  } else {
    res.set(http::field::content_type, "application/json");
    res.body() = json_answer(model);
  }
  res.prepare_payload();
  return res;
}

void serve(tcp::socket sock) {
  sock.set_option(tcp::no_delay(true));
  beast::flat_buffer buf;
  beast::error_code ec;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.body_limit(16 * 1024 * 1024);
    http::read(sock, buf, parser, ec);
    if (ec) break;
    auto res = answer(parser.get());
    http::write(sock, res, ec);
    if (ec || !res.keep_alive()) break;
  }
  sock.shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: overhead_upstream PORT (0 = any; the port is printed)\n");
    return 2;
  }
  asio::io_context io;
  tcp::acceptor acceptor(
      io, {asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(std::atoi(argv[1]))});
  std::printf("%u\n", acceptor.local_endpoint().port());
  std::fflush(stdout);
  for (;;) {
    tcp::socket sock(io);
    beast::error_code ec;
    acceptor.accept(sock, ec);
    if (ec) continue;
    std::thread(serve, std::move(sock)).detach();
  }
}
