#include "http/server.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "http/openai.h"
#include "metrics/metrics.h"

namespace perimeter::http {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using Request = bhttp::request<bhttp::string_body>;
using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

constexpr auto kAwait = net::use_awaitable;
auto with(beast::error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

// State of one answer in flight. Backends call in from their own threads;
// every field is touched only on the connection's strand.
struct Exchange {
  explicit Exchange(net::any_io_executor ex) : strand(ex), wake(ex) {
    wake.expires_at(net::steady_timer::time_point::max());
  }
  net::any_io_executor strand;
  net::steady_timer wake;  // cancelled to wake the connection coroutine
  std::string text;        // answer text not yet written
  std::optional<Completion> done;
  // The answer failed before any content: nothing reached the client, so
  // the dispatcher may hand the request to the Plan's next candidate.
  std::optional<Error> failed_early;
  bool client_gone = false;
  bool watching = false;       // watch_client is running
  bool stop_watching = false;  // watch_client must not (or no longer) read
  std::function<void()> cancel;
  // Set by notify(), cleared by wait_for(): a wake-up that arrives while the
  // connection is busy writing is remembered instead of lost.
  bool signalled = false;

  void notify() {
    signalled = true;
    wake.cancel();
  }
};

// Called on the backend's thread when an answer ends, before the connection
// learns of it: accounting does not depend on the connection's fate, and a
// client's next request sees this one's usage.
using OnAnswered = std::function<void(const Completion&, std::string transcript)>;

// Relays the backend's events to the connection's strand; keeps the whole
// answer for `on_answered` only if `keep_transcript` (audit.store_text). An
// error before any content is not an answer yet: it goes to
// `ex->failed_early` for the dispatcher, and `on_answered` is not called.
AnswerSink sink_for(const std::shared_ptr<Exchange>& ex, bool keep_transcript,
                    OnAnswered on_answered) {
  struct State {
    std::string transcript;
    bool delivered = false;  // a content delta was relayed
  };
  auto state = std::make_shared<State>();
  return {[ex, state, keep_transcript](std::string_view delta) {
            state->delivered = true;
            if (keep_transcript) state->transcript.append(delta);
            net::post(ex->strand, [ex, s = std::string(delta)] {
              ex->text += s;
              ex->notify();
            });
          },
          [ex, state, on_answered = std::move(on_answered)](const Completion& c) {
            if (c.error && !state->delivered) {
              net::post(ex->strand, [ex, e = *c.error] {
                ex->failed_early = e;
                ex->notify();
              });
              return;
            }
            on_answered(c, std::move(state->transcript));
            net::post(ex->strand, [ex, c] {
              ex->done = c;
              ex->notify();
            });
          }};
}

// Returns after the next notify(), or at once if one came since the last wait.
net::awaitable<void> wait_for(Exchange& ex) {
  if (!ex.signalled) {
    beast::error_code ec;
    co_await ex.wake.async_wait(with(ec));
  }
  ex.signalled = false;
}

// Reads from the client while an answer is produced: end-of-stream or reset
// means the client left, so the backend is cancelled and its slot freed.
net::awaitable<void> watch_client(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                  std::shared_ptr<Exchange> ex) {
  beast::error_code ec;
  // The coroutine may start after the answer is already complete; reading
  // then would block until the client hangs up, so check first (this check
  // and the read's initiation run in one step of the strand).
  if (ex->stop_watching) {
    ex->watching = false;
    ex->notify();
    co_return;
  }
  const size_t n = co_await stream.socket().async_read_some(buffer.prepare(4096), with(ec));
  if (!ec) {
    buffer.commit(n);  // a pipelined request: the client is alive, keep it
  } else if (ec != net::error::operation_aborted) {
    ex->client_gone = true;
    if (ex->cancel) ex->cancel();
  }
  ex->watching = false;
  ex->notify();
}

net::awaitable<void> stop_watching(beast::tcp_stream& stream, Exchange& ex) {
  ex.stop_watching = true;
  if (!ex.watching) co_return;
  beast::error_code ec;
  stream.socket().cancel(ec);
  while (ex.watching) co_await wait_for(ex);
}

std::string sse(const json& j) {
  return "data: " + dump(j) + "\n\n";
}

std::string_view header(const Request& req, std::string_view name) {
  auto it = req.find(beast::string_view(name.data(), name.size()));
  return it == req.end() ? std::string_view{}
                         : std::string_view(it->value().data(), it->value().size());
}

std::string_view path_of(const Request& req) {
  std::string_view t(req.target().data(), req.target().size());
  return t.substr(0, t.find('?'));
}

}  // namespace

using Clock = std::chrono::steady_clock;

// Largest request body admitted on the connection's own thread (see
// Gateway::admits_quickly): detection over it takes well under a millisecond.
constexpr size_t kInlineAdmitBytes = 16 * 1024;

// A caller's declared sensitivity; like metadata.sensitivity it can only raise the level.
constexpr const char* kSensitivityHeader = "X-Perimeter-Sensitivity";

struct Server::Impl {
  config::Server opts;
  gateway::Gateway& gateway;
  // Shared with the gateway's HTTP upstreams (Gateway::run_backends_on).
  std::shared_ptr<net::io_context> io;
  net::io_context& ioc;
  tcp::acceptor acceptor;
  // Work that may block for long (an fsync'ing audit commit, an LLM
  // router): never on the I/O threads. Declared after io so that it is
  // joined before this server lets go of the context.
  net::thread_pool blocking{static_cast<size_t>(std::max(16, 8 * opts.threads))};
  // Admission runs on the I/O thread: it cannot block for long.
  const bool admit_inline;

  Impl(const config::Server& o, gateway::Gateway& g)
      : opts(o),
        gateway(g),
        io(std::make_shared<net::io_context>(o.threads)),
        ioc(*io),
        acceptor(ioc),
        admit_inline(g.admits_quickly()) {
    tcp::resolver resolver(ioc);
    beast::error_code ec;
    auto results = resolver.resolve(opts.host, std::to_string(opts.port), ec);
    if (ec || results.empty())
      throw std::runtime_error("listen: cannot resolve host '" + opts.host + "': " + ec.message());
    const tcp::endpoint ep = results.begin()->endpoint();
    acceptor.open(ep.protocol());
    acceptor.set_option(net::socket_base::reuse_address(true));
    acceptor.bind(ep, ec);
    if (ec)
      throw std::runtime_error("listen: cannot bind " + opts.host + ":" +
                               std::to_string(opts.port) + ": " + ec.message() +
                               " (is another server using the port? change `listen:`)");
    acceptor.listen(net::socket_base::max_listen_connections);
    g.run_backends_on(io);  // only once listening: a server that failed runs nothing
  }

  // Runs the I/O context on this thread until stop(). With http.busy_poll_us
  // it first polls that long after its last event before sleeping in epoll:
  // on a VM, waking a halted vCPU costs tens of microseconds per event, more
  // than a gateway adds otherwise; polling burns that much CPU per event.
  void run_io() {
    if (opts.busy_poll_us <= 0) {
      ioc.run();
      return;
    }
    const auto spin = std::chrono::microseconds(opts.busy_poll_us);
    for (;;) {
      bool ran = false;
      for (const auto until = Clock::now() + spin; !ran && Clock::now() < until;) {
        ran = ioc.poll() > 0 || ioc.stopped();
        // A process this thread waits for (the client, the upstream) may be
        // runnable on the same core: let it run rather than spin past it.
        if (!ran) std::this_thread::yield();
      }
      if (ioc.stopped()) return;
      if (!ran && ioc.run_one() == 0) return;  // stopped, or out of work
    }
  }

  // Runs f() on the blocking pool and resumes the caller on its own executor
  // with the result (or f's exception).
  template <class F>
  net::awaitable<std::invoke_result_t<F&>> offload(F f) {
    using R = std::invoke_result_t<F&>;
    auto task = net::co_spawn(
        blocking, [fn = std::move(f)]() mutable -> net::awaitable<R> { co_return fn(); }, kAwait);
    co_return co_await std::move(task);
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor.async_accept(net::make_strand(ioc), with(ec));
      if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) continue;
      socket.set_option(tcp::no_delay(true), ec);
      auto ex = socket.get_executor();
      net::co_spawn(ex, session(std::move(socket)), net::detached);
    }
  }

  net::awaitable<void> session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    try {
      for (;;) {
        bhttp::request_parser<bhttp::string_body> parser;
        parser.body_limit(opts.max_body_bytes);
        stream.expires_after(std::chrono::seconds(opts.idle_timeout_s));
        beast::error_code ec;
        co_await bhttp::async_read(stream, buffer, parser, with(ec));
        if (ec == bhttp::error::end_of_stream || ec == beast::error::timeout ||
            ec == net::error::eof || ec == net::error::connection_reset ||
            ec == net::error::operation_aborted)
          break;
        if (ec == bhttp::error::body_limit) {
          const Error too_large(413, "invalid_request_error",
                                "Request body too large: the limit is " +
                                    std::to_string(opts.max_body_bytes) +
                                    " bytes (http.max_body_bytes).",
                                "", "request_too_large");
          co_await send_error(stream, 11, false, too_large);
          co_await drain(stream);
          break;
        }
        if (ec) {
          const Error malformed(400, "invalid_request_error",
                                "Malformed HTTP request: " + ec.message(), "", "bad_request");
          co_await send_error(stream, 11, false, malformed);
          break;
        }
        Request req = parser.release();
        const bool keep = co_await dispatch(stream, buffer, req);
        if (!keep || !req.keep_alive()) break;
      }
    } catch (const std::exception& e) {
      spdlog::warn("connection ended by an internal error: {}", e.what());
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  // After refusing a body we stop reading it; reading what the client still
  // sends (bounded) lets it see our answer instead of a connection reset.
  net::awaitable<void> drain(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::chrono::seconds(2));
    std::vector<char> sink(64 * 1024);
    size_t total = 0;
    while (!ec && total < (256u << 20))
      total += co_await stream.async_read_some(net::buffer(sink), with(ec));
  }

  net::awaitable<bool> send(beast::tcp_stream& stream, unsigned version, bool keep_alive,
                            bhttp::status status, std::string body, Headers headers = {}) {
    bhttp::response<bhttp::string_body> res{status, version};
    res.set(bhttp::field::server, "perimeter");
    res.set(bhttp::field::content_type, "application/json");
    for (auto& [k, v] : headers) res.set(k, v);
    res.keep_alive(keep_alive);
    res.body() = std::move(body);
    res.prepare_payload();
    beast::error_code ec;
    co_await bhttp::async_write(stream, res, with(ec));
    co_return !ec && keep_alive;
  }

  net::awaitable<bool> send_error(beast::tcp_stream& stream, unsigned version, bool keep_alive,
                                  const Error& e) {
    Reply r = error_reply(e);
    co_return co_await send(stream, version, keep_alive, r.status, std::move(r.body),
                            std::move(r.headers));
  }

  struct Reply {
    bhttp::status status = bhttp::status::ok;
    std::string body;
    Headers headers;
  };

  static Reply error_reply(const Error& e) {
    Headers headers;
    if (e.status == 503 || e.status == 429) headers.emplace_back("Retry-After", "1");
    return {static_cast<bhttp::status>(e.status), dump(e.to_json()), std::move(headers)};
  }

  // Answers every endpoint except chat completions. Plain function: GCC 12
  // miscompiles some temporaries inside co_await expressions.
  Reply simple_route(const Request& req, std::string_view path) {
    auto only = [&](bhttp::verb verb, const std::string& allow) -> std::optional<Reply> {
      if (req.method() == verb) return std::nullopt;
      Reply r =
          error_reply(Error(405, "invalid_request_error",
                            "Method " + std::string(req.method_string()) + " is not allowed on " +
                                std::string(path) + "; use " + allow + ".",
                            "", "method_not_allowed"));
      r.headers.emplace_back("Allow", allow);
      return r;
    };
    if (path == "/v1/chat/completions") return *only(bhttp::verb::post, "POST");
    if (path == "/v1/perimeter/analyze") {
      if (auto r = only(bhttp::verb::post, "POST")) return *r;
      try {
        const auth::Principal who = gateway.authenticate(header(req, "Authorization"));
        ChatRequest chat = parse_chat_request(req.body(), /*require_model=*/false);
        const std::string_view declared = header(req, kSensitivityHeader);
        if (!declared.empty()) declare_sensitivity(chat, declared, kSensitivityHeader);
        return {bhttp::status::ok, dump(gateway.explain(who, chat)), {}};
      } catch (const Error& e) {
        return error_reply(e);
      }
    }
    if (path == "/v1/models") {
      if (auto r = only(bhttp::verb::get, "GET")) return *r;
      try {
        gateway.authenticate(header(req, "Authorization"));
      } catch (const Error& e) {
        return error_reply(e);
      }
      json data = json::array();
      for (const auto& m : gateway.models())
        data.push_back({{"id", m.id},
                        {"object", "model"},
                        {"created", 0},
                        {"owned_by", "perimeter"},
                        {"perimeter",
                         {{"engine", m.engine},
                          {"sha256", m.sha256},
                          {"egress", m.egress},
                          {"adapters", m.adapters}}}});
      return {bhttp::status::ok, dump({{"object", "list"}, {"data", data}}), {}};
    }
    if (path == "/metrics") {
      if (auto r = only(bhttp::verb::get, "GET")) return *r;
      return {bhttp::status::ok, gateway.metrics_text(), {{"Content-Type", metrics::kContentType}}};
    }
    if (path == "/healthz") {
      if (auto r = only(bhttp::verb::get, "GET")) return *r;
      return {bhttp::status::ok, R"({"status":"ok"})", {}};
    }
    if (path == "/readyz") {
      if (auto r = only(bhttp::verb::get, "GET")) return *r;
      if (gateway.ready()) return {bhttp::status::ok, R"({"status":"ready"})", {}};
      return {bhttp::status::service_unavailable, R"({"status":"loading"})", {}};
    }
    return error_reply(Error(404, "invalid_request_error",
                             "Unknown request URL: " + std::string(req.method_string()) + " " +
                                 std::string(path) +
                                 ". See docs/ARCHITECTURE.md for the endpoints.",
                             "", "unknown_url"));
  }

  net::awaitable<bool> dispatch(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                                Request& req) {
    const std::string_view path = path_of(req);
    if (path == "/v1/chat/completions" && req.method() == bhttp::verb::post)
      co_return co_await chat(stream, buffer, req);
    Reply r;
    if (path == "/v1/perimeter/analyze") {  // analysis may block (an LLM router)
      auto route = [this, &req, path] { return simple_route(req, path); };
      auto task = offload(std::move(route));
      r = co_await std::move(task);
    } else {
      r = simple_route(req, path);
    }
    co_return co_await send(stream, req.version(), req.keep_alive(), r.status, std::move(r.body),
                            std::move(r.headers));
  }

  // Dispatches the admission's current candidate; its answer reaches `ex`.
  // Thread-safe (touches `ex` only through its strand). Returns the cancel
  // function; throws what Backend::start throws.
  std::function<void()> start(const std::shared_ptr<gateway::Admission>& adm,
                              const std::shared_ptr<Exchange>& ex) {
    OnAnswered on_answered = [this, adm](const Completion& c, std::string transcript) {
      answered(adm, c, std::move(transcript));
    };
    adm->dispatched = Clock::now();
    return adm->backend->start(
        adm->request, gateway.relay(*adm, sink_for(ex, gateway.stores_text(), on_answered)));
  }

  // An admitted request and how the start of its first candidate went.
  struct Admitted {
    std::shared_ptr<gateway::Admission> adm;
    std::function<void()> cancel;    // the first candidate's, if it started
    std::exception_ptr start_error;  // what its start() threw, for the dispatcher
  };

  // Analysis, budget and the durable decision record, then the first
  // candidate started from that same thread: on the blocking pool, or, for a
  // `small` body, on the connection's thread when admission cannot wait long
  // (Gateway::admits_quickly). Each hand-off between threads costs a wake-up,
  // tens of microseconds on every request. Throws Error if the request is
  // refused; nothing was dispatched then.
  net::awaitable<Admitted> admit(ChatRequest chat_req, auth::Principal who, Clock::time_point t0,
                                 std::shared_ptr<Exchange> ex, bool small) {
    auto work = [this, r = std::move(chat_req), who = std::move(who), t0, ex]() mutable {
      Admitted out;
      try {
        out.adm = std::make_shared<gateway::Admission>(
            gateway.admit(new_completion_id(), who, std::move(r), t0));
      } catch (const Error&) {
        throw;
      } catch (const std::exception& e) {
        spdlog::error("admission failed: {}", e.what());
        throw Error(500, "server_error",
                    "Internal error while admitting the request; see the log.");
      }
      try {
        out.cancel = start(out.adm, ex);  // the decision record is durable: dispatch
      } catch (...) {
        out.start_error = std::current_exception();
      }
      return out;
    };
    if (admit_inline && small) co_return work();
    auto task = offload(std::move(work));
    co_return co_await std::move(task);
  }

  // Gateway::fall_back on the blocking pool (it may wait for the audit log).
  net::awaitable<bool> fall_back(std::shared_ptr<gateway::Admission> adm, Error failure) {
    auto work = [this, adm, failure] { return gateway.fall_back(*adm, failure); };
    auto task = offload(std::move(work));
    co_return co_await std::move(task);
  }

  // Charges the answer to the ledger and queues its outcome record (which
  // never blocks), on the backend's thread: no hand-off. The status recorded:
  // the error's, 499 for an answer cancelled (client gone or shutdown), else 200.
  void answered(const std::shared_ptr<gateway::Admission>& adm, const Completion& done,
                std::string transcript) {
    const double cost = gateway.charge(*adm, done.usage);
    const int status = done.error                               ? done.error->status
                       : done.finish == FinishReason::Cancelled ? 499
                                                                : 200;
    gateway.finish(*adm, done, status, cost, transcript);
  }

  net::awaitable<bool> chat(beast::tcp_stream& stream, beast::flat_buffer& buffer, Request& req) {
    const auto t0 = Clock::now();
    const unsigned v = req.version();
    const bool ka = req.keep_alive();
    auto ex = std::make_shared<Exchange>(co_await net::this_coro::executor);
    ResponseMeta meta;
    std::optional<Error> refused;
    std::shared_ptr<gateway::Admission> adm;
    ChatRequest parsed;
    auth::Principal who;
    try {
      who = gateway.authenticate(header(req, "Authorization"));
      parsed = parse_chat_request(req.body());
      const std::string_view declared = header(req, kSensitivityHeader);
      if (!declared.empty()) declare_sensitivity(parsed, declared, kSensitivityHeader);
    } catch (const Error& e) {
      refused = e;
    }
    Admitted admitted;
    if (!refused) {
      try {
        // Only a small body is analyzed on the connection's thread: a large
        // one would stall the other connections served by that thread.
        const bool small = req.body().size() <= kInlineAdmitBytes;
        auto task = admit(std::move(parsed), std::move(who), t0, ex, small);
        admitted = co_await std::move(task);
        adm = admitted.adm;
      } catch (const Error& e) {
        refused = e;
      }
    }
    if (adm) {
      stream.expires_never();
      ex->cancel = std::move(admitted.cancel);
      ex->watching = true;
      net::co_spawn(ex->strand, watch_client(stream, buffer, ex), net::detached);
      // Plan order: a candidate that refuses the request, or fails before
      // any content, hands it to the next one the route allows (nothing has
      // reached the client yet: the response header waits for the first event).
      // admit() started the first candidate already.
      for (bool first = true;; first = false) {
        std::optional<Error> failed;
        try {
          if (!first)
            ex->cancel = start(adm, ex);
          else if (admitted.start_error)
            std::rethrow_exception(admitted.start_error);
          while (!ex->done && !ex->failed_early && ex->text.empty() && !ex->client_gone)
            co_await wait_for(*ex);
          if (ex->client_gone && ex->text.empty()) {
            // Gone before the first event: stop the backend and wait for its
            // end, so that its outcome is recorded exactly once.
            if (ex->cancel) ex->cancel();
            while (!ex->done && !ex->failed_early) co_await wait_for(*ex);
          }
          failed = std::exchange(ex->failed_early, std::nullopt);
        } catch (const Error& e) {
          failed = e;
        } catch (const std::exception& e) {
          spdlog::error("{}: starting {} failed: {}", adm->request_id, adm->info.id, e.what());
          failed = Error(500, "server_error", "Internal error starting the backend; see the log.");
        }
        if (!failed) break;
        bool moved = false;
        if (!ex->client_gone) {
          try {
            auto task = fall_back(adm, *failed);
            moved = co_await std::move(task);
          } catch (const Error& e) {
            failed = e;
          }
        }
        if (moved && !ex->client_gone) continue;
        if (moved) {  // the client left while the fallback was recorded: start nothing
          Completion gone;
          gone.finish = FinishReason::Cancelled;
          answered(adm, gone, "");
          break;
        }
        refused = gateway.final_error(*adm, *failed);
        Completion failure;
        failure.error = *failed;
        answered(adm, failure, "");
        break;
      }
      meta = {adm->request_id,
              std::chrono::duration_cast<std::chrono::seconds>(
                  std::chrono::system_clock::now().time_since_epoch())
                  .count(),
              adm->info.id, adm->fingerprint};
    } else if (refused) {
      gateway.count_refusal(refused->status);
    }
    if (refused) {
      if (ex->watching) co_await stop_watching(stream, *ex);
      spdlog::info("POST /v1/chat/completions {} {}", refused->status, refused->what());
      if (ex->client_gone) co_return false;
      co_return co_await send_error(stream, v, ka, *refused);
    }
    const ChatRequest& chat_req = adm->request;

    bool keep = ka;
    bool keep_written = false;  // the whole stream reached the socket
    if (chat_req.stream) {
      keep_written = co_await stream_answer(stream, req, *ex, meta, chat_req.include_usage);
      keep = keep_written && ka;
    } else {
      while (!ex->done && !ex->client_gone) co_await wait_for(*ex);
    }
    co_await stop_watching(stream, *ex);
    // A client that hangs up after the whole answer was written is not "gone".
    if (ex->client_gone && !(chat_req.stream && keep_written)) {
      spdlog::info("POST /v1/chat/completions {} client disconnected; generation cancelled",
                   meta.id);
      co_return false;
    }
    const Completion& done = *ex->done;
    if (!chat_req.stream) {
      if (done.error) {
        keep = co_await send_error(stream, v, ka, *done.error);
      } else {
        Headers headers{{"X-Request-Id", meta.id}};
        keep = co_await send(stream, v, ka, bhttp::status::ok,
                             dump(completion_json(meta, ex->text, done)), std::move(headers));
      }
    }
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    const auto& analysis = adm->analysis;
    spdlog::info(
        "POST /v1/chat/completions {} route={} model={} egress={} stream={} intent={} "
        "sensitivity={} findings={} finish={} prompt_tokens={} completion_tokens={} audit_seq={} "
        "{:.1f}ms",
        meta.id, adm->route, meta.model, adm->info.egress, chat_req.stream,
        router::intent_name(analysis.intent.intent), detect::sensitivity_name(adm->effective),
        analysis.findings.size(), finish_reason_name(done.finish), done.usage.prompt_tokens,
        done.usage.completion_tokens, adm->decision_seq, ms);
    co_return keep;
  }

  // Relays the answer as OpenAI server-sent events. Returns true once the
  // whole stream, through [DONE], has been written.
  net::awaitable<bool> stream_answer(beast::tcp_stream& stream, const Request& req, Exchange& ex,
                                     const ResponseMeta& meta, bool include_usage) {
    bhttp::response<bhttp::empty_body> res{bhttp::status::ok, req.version()};
    res.set(bhttp::field::server, "perimeter");
    res.set(bhttp::field::content_type, "text/event-stream");
    res.set(bhttp::field::cache_control, "no-cache");
    res.set("X-Request-Id", meta.id);
    res.keep_alive(req.keep_alive());
    res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> sr{res};
    beast::error_code ec;
    co_await bhttp::async_write_header(stream, sr, with(ec));
    std::string out =
        sse(chunk_json(meta, {{"role", "assistant"}, {"content", ""}}, nullptr, include_usage));
    for (;;) {
      if (!ex.text.empty()) {
        out += sse(chunk_json(meta, {{"content", ex.text}}, nullptr, include_usage));
        ex.text.clear();
      }
      const bool finished = ex.done.has_value();
      if (finished) {
        if (ex.done->error) {
          out += sse(ex.done->error->to_json());
        } else if (ex.done->finish == FinishReason::Cancelled) {
          out += sse(
              Error(503, "server_error", "The server is shutting down; the answer was cut short.")
                  .to_json());
        } else {
          out += sse(
              chunk_json(meta, json::object(), finish_reason_name(ex.done->finish), include_usage));
          if (include_usage) out += sse(usage_chunk_json(meta, ex.done->usage));
        }
        out += "data: [DONE]\n\n";
      }
      if (!out.empty() && !ec) {
        co_await net::async_write(stream, bhttp::make_chunk(net::buffer(out)), with(ec));
        out.clear();
      }
      if (!ec && finished) co_await net::async_write(stream, bhttp::make_chunk_last(), with(ec));
      if (ec && !ex.client_gone) {
        ex.client_gone = true;
        if (ex.cancel) ex.cancel();
      }
      if (finished) co_return !ec;
      if (ex.client_gone) co_return false;
      co_await wait_for(ex);
    }
  }
};

Server::Server(const config::Server& options, gateway::Gateway& gateway)
    : impl_(std::make_unique<Impl>(options, gateway)) {}

Server::~Server() = default;

uint16_t Server::port() const {
  return impl_->acceptor.local_endpoint().port();
}

void Server::run() {
  net::co_spawn(impl_->ioc, impl_->accept_loop(), net::detached);
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->opts.threads; ++i) threads.emplace_back([this] { impl_->run_io(); });
  impl_->run_io();
  for (auto& t : threads) t.join();
  impl_->blocking.join();  // admissions and fallbacks still on the pool
}

void Server::stop() {
  net::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->ioc.stop();
  });
}

}  // namespace perimeter::http
