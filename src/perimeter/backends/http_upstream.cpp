#include "backends/http_upstream.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <limits>
#include <list>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>

#include <spdlog/spdlog.h>
#include <boost/asio.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "backends/sse.h"
#include "core/utf8.h"

namespace perimeter::backends {
namespace {

namespace net = boost::asio;
namespace ssl = net::ssl;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

auto with(beast::error_code& ec) {
  return net::redirect_error(net::use_awaitable, ec);
}

std::chrono::milliseconds ms_of(double seconds) {
  return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
}

// Longest Retry-After we wait for; beyond it the answer fails at once (as
// saturated), so that a fallback can take over instead of the client waiting.
constexpr std::chrono::milliseconds kMaxRetryAfter{5000};
constexpr std::chrono::milliseconds kMaxBackoff{5000};
// Idle pooled connections older than this are closed instead of reused.
constexpr auto kPoolIdle = std::chrono::seconds(30);
constexpr size_t kMaxIdlePerUrl = 32;
constexpr size_t kMaxErrorBody = 64 * 1024;
constexpr size_t kMaxJsonBody = 32u << 20;
constexpr size_t kMaxSseLine = 8u << 20;

// An upstream URL, split for connecting.
struct Url {
  std::string text;  // as configured
  bool tls = false;
  std::string host;    // without brackets
  std::string port;    // numeric or service name
  std::string target;  // path of .../chat/completions
  std::string root;    // the path before /v1: where /slots and /metrics live
};

Url parse_url(const std::string& s) {
  Url u;
  u.text = s;
  u.tls = s.rfind("https://", 0) == 0;
  std::string rest = s.substr(u.tls ? 8 : 7);
  const size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "" : rest.substr(slash);
  if (const size_t at = authority.rfind('@'); at != std::string::npos)
    authority = authority.substr(at + 1);  // credentials in URLs are not used
  u.port = u.tls ? "443" : "80";
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      u.port = authority.substr(close + 2);
  } else if (const size_t colon = authority.rfind(':'); colon != std::string::npos) {
    u.host = authority.substr(0, colon);
    u.port = authority.substr(colon + 1);
  } else {
    u.host = authority;
  }
  while (!path.empty() && path.back() == '/') path.pop_back();
  u.target = path + "/chat/completions";
  u.root = path.size() >= 3 && path.compare(path.size() - 3, 3, "/v1") == 0
               ? path.substr(0, path.size() - 3)
               : path;
  return u;
}

// One keep-alive connection, plain or TLS.
struct Conn {
  std::optional<beast::tcp_stream> plain;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;  // bytes read past the last response
  Clock::time_point idle_since;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }
};

// One configured URL: its pool and health. Touched on the backend's strand only,
// except that stats() reads the counters under Impl::mutex.
struct Endpoint {
  Url url;
  std::vector<std::unique_ptr<Conn>> idle;
  int inflight = 0;
  int failures = 0;  // consecutive
  Clock::time_point ejected_until{};
  bool probing = false;    // an ejected url's single probe request is in flight
  bool saturated = false;  // the last load probe said busy
  int probe_failures = 0;  // consecutive load probes without a usable answer
  std::unique_ptr<net::steady_timer> probe_timer;  // on the strand only
  beast::tcp_stream* probe_stream = nullptr;       // closed on shutdown

  bool ejected(Clock::time_point now) const { return ejected_until > now; }
};

// How one attempt on one URL ended.
struct Outcome {
  enum Kind {
    Done,         // the answer was delivered
    Cancelled,    // cancel() was called
    ConnectFail,  // no connection (resolve, connect, TLS handshake)
    Broken,       // the connection failed; `before_response` if no response byte came
    Status,       // an HTTP status other than 2xx
    Timeout,      // first byte or idle timeout
    Invalid,      // the upstream answered something we cannot read, or an error event
  };
  Outcome() = default;
  Outcome(Kind k, bool before = false) : kind(k), before_response(before) {}

  Kind kind = Done;
  bool before_response = false;
  int status = 0;
  std::optional<std::chrono::milliseconds> retry_after;
  std::string detail;      // summarised for the client's error message
  bool first_byte = true;  // Timeout: waiting for the first byte (else idle)
};

}  // namespace

struct HttpBackend::Impl {
  // Everything of one backend runs in order here: its own thread's context,
  // or a strand of the server's, which several threads may run.
  using Exec = net::strand<net::io_context::executor_type>;

  // One in-flight answer. Touched on `exec` only.
  struct Call {
    Call(std::shared_ptr<net::io_context> own, Exec ex)
        : own_ioc(std::move(own)), exec(ex), timer(ex), resolver(ex) {}
    // The backend's own context, kept alive for the cancel function; null on a
    // shared context (a handler owning its owner would never be destroyed).
    std::shared_ptr<net::io_context> own_ioc;  // first: destroyed after the I/O objects
    Exec exec;
    net::steady_timer timer;  // backoff sleeps
    tcp::resolver resolver;
    std::string body;
    bool stream = false;
    AnswerSink sink;
    Conn* conn = nullptr;  // the connection in use, closed by cancel
    bool cancelled = false;
    bool sent = false;      // a delta went to the sink: no more retries
    bool finished = false;  // on_done was called
    bool queued = false;    // waited for a place among max_inflight
    bool admitted = false;  // holds one of the max_inflight places (under admit_mutex)
    Completion done;
  };

  config::Model model;
  std::string api_key;
  const bool own_thread;
  std::shared_ptr<net::io_context> ioc;
  Exec exec;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;  // own thread only
  ssl::context tls_ctx{ssl::context::tls_client};
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  std::list<std::shared_ptr<Call>> active;  // on exec only
  std::mutex admit_mutex;                   // running, waiting, Call::admitted
  int running = 0;                          // admitted calls not yet finished
  std::deque<std::shared_ptr<Call>> waiting;
  std::atomic<bool> stopping{false};
  size_t round_robin = 0;
  std::mt19937_64 rng{std::random_device{}()};
  mutable std::mutex mutex;  // endpoint counters, for stats()
  std::thread thread;

  Impl(const config::Model& m, std::shared_ptr<net::io_context> shared)
      : model(m),
        own_thread(!shared),
        ioc(shared ? std::move(shared) : std::make_shared<net::io_context>(1)),
        exec(net::make_strand(*ioc)) {
    if (own_thread) work.emplace(net::make_work_guard(*ioc));
    const auto& u = model.upstream;
    if (!u.api_key_env.empty()) {
      const char* key = std::getenv(u.api_key_env.c_str());
      if (!key || !*key)
        throw std::runtime_error("models." + model.id + ".api_key_env: the environment variable " +
                                 u.api_key_env + " is not set (it must hold the upstream API key)");
      api_key = key;
    }
    for (const auto& url : u.urls) {
      auto e = std::make_unique<Endpoint>();
      e->url = parse_url(url);
      endpoints.push_back(std::move(e));
    }
    tls_ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    if (u.tls_verify) {
      tls_ctx.set_verify_mode(ssl::verify_peer);
      tls_ctx.set_default_verify_paths();
      if (!u.ca_file.empty()) {
        beast::error_code ec;
        tls_ctx.load_verify_file(u.ca_file.string(), ec);
        if (ec)
          throw std::runtime_error("models." + model.id + ".tls.ca_file: cannot load " +
                                   u.ca_file.string() + ": " + ec.message());
      }
    } else {
      tls_ctx.set_verify_mode(ssl::verify_none);
      spdlog::warn("model {}: TLS certificate verification is OFF (tls.verify: false)", model.id);
    }
    if (u.probe != "none")
      for (auto& e : endpoints) {
        e->probe_timer = std::make_unique<net::steady_timer>(exec);
        net::co_spawn(exec, probe_loop(*e), net::detached);
      }
    if (own_thread) thread = std::thread([this] { ioc->run(); });
  }

  ~Impl() {
    stopping = true;
    auto cancel_all = [this] {
      for (auto& c : active) cancel(*c);
      for (auto& e : endpoints) {
        if (e->probe_timer) e->probe_timer->cancel();
        if (e->probe_stream) e->probe_stream->close();
      }
    };
    if (own_thread) {
      net::post(exec, cancel_all);
      work.reset();
      thread.join();
    } else {
      // Nothing runs the shared context any more: close what this backend
      // owns while the context lives. Handlers still queued there are
      // destroyed with it, unrun; none of their destructors touches this.
      cancel_all();
      for (auto& e : endpoints) e->probe_timer.reset();
    }
    for (auto& e : endpoints) e->idle.clear();
    if (own_thread) ioc->stop();
  }

  // Scrubs the API key from text that may reach a client or a log.
  std::string scrub(std::string s) const {
    if (api_key.size() >= 4)
      for (size_t p; (p = s.find(api_key)) != std::string::npos;)
        s.replace(p, api_key.size(), "[redacted]");
    return s;
  }

  static void cancel(Call& c) {
    c.cancelled = true;
    beast::error_code ec;
    c.timer.cancel();
    c.resolver.cancel();
    if (c.conn) c.conn->lowest().close();
  }

  void emit(Call& c, std::string_view delta) {
    if (c.finished || delta.empty()) return;
    c.sent = true;
    if (c.sink.on_delta) c.sink.on_delta(delta);
  }

  void finish(const std::shared_ptr<Call>& c) {
    if (c->finished) return;
    c->finished = true;
    active.remove(c);
    c->done.model_sha256 = model.upstream.model;
    {
      std::lock_guard lock(admit_mutex);
      if (c->admitted) {
        --running;
        // The freed place goes to the oldest waiting call, woken by its timer.
        if (!waiting.empty()) {
          auto next = std::move(waiting.front());
          waiting.pop_front();
          next->admitted = true;
          ++running;
          next->timer.cancel();
        }
      }
    }
    if (c->sink.on_done) c->sink.on_done(c->done);
  }

  // ---- capacity ----

  // Why a request is refused as saturated: which model, its limits, and that
  // nothing was sent.
  Error saturated(const std::string& why) const {
    return Error(503, "server_error",
                 "Model '" + model.id + "' is saturated: " + why +
                     ". The request was not sent upstream; retry later or use another model.",
                 "", "upstream_saturated");
  }

  std::string limits() const {
    return std::to_string(model.upstream.max_inflight) + " requests in flight (max_inflight) and " +
           std::to_string(model.queue) + " may wait up to " + std::to_string(model.queue_wait_ms) +
           " ms (queue, queue_wait_ms)";
  }

  // True when every url's load probe says busy.
  bool all_saturated() const {
    if (model.upstream.probe == "none") return false;
    std::lock_guard lock(mutex);
    for (const auto& e : endpoints)
      if (!e->saturated) return false;
    return true;
  }

  // ---- balancing and health ----

  // The healthy URL with the fewest requests in flight, preferring ones not
  // yet tried for this answer; an ejected URL whose cool-down has passed gets
  // one probe. With every URL ejected, the least loaded of all.
  Endpoint* pick(const std::vector<Endpoint*>& tried) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex);
    auto choose = [&](bool skip_tried, bool skip_ejected) -> Endpoint* {
      Endpoint* best = nullptr;
      const size_t n = endpoints.size();
      for (size_t k = 0; k < n; ++k) {
        Endpoint* e = endpoints[(round_robin + k) % n].get();
        if (skip_tried && std::find(tried.begin(), tried.end(), e) != tried.end()) continue;
        const bool sick = e->failures >= model.upstream.eject_after;
        if (skip_ejected && sick && (e->ejected(now) || e->probing)) continue;
        if (skip_ejected && e->saturated) continue;
        if (!best || e->inflight < best->inflight) best = e;
      }
      return best;
    };
    Endpoint* e = choose(true, true);
    if (!e) e = choose(false, true);
    if (!e) e = choose(false, false);
    ++round_robin;
    if (e->failures >= model.upstream.eject_after && !e->ejected(now)) e->probing = true;
    ++e->inflight;
    return e;
  }

  void release(Endpoint& e, const Outcome& o) {
    std::lock_guard lock(mutex);
    --e.inflight;
    e.probing = false;
    if (o.kind == Outcome::Cancelled) return;
    const bool failed = o.kind == Outcome::ConnectFail || o.kind == Outcome::Broken ||
                        o.kind == Outcome::Timeout ||
                        (o.kind == Outcome::Status && o.status >= 500);
    if (!failed) {
      if (e.failures >= model.upstream.eject_after)
        spdlog::info("model {}: upstream {} answers again; back in rotation", model.id, e.url.text);
      e.failures = 0;
      return;
    }
    if (++e.failures >= model.upstream.eject_after) {
      e.ejected_until = Clock::now() + ms_of(model.upstream.eject_s);
      spdlog::warn("model {}: upstream {} ejected for {}s after {} consecutive failures", model.id,
                   e.url.text, model.upstream.eject_s, e.failures);
    }
  }

  // Whether a url other than `e` and those in `tried` is neither ejected nor
  // probed saturated.
  bool untried_url(const std::vector<Endpoint*>& tried, const Endpoint* e) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex);
    for (const auto& x : endpoints) {
      if (x.get() == e || std::find(tried.begin(), tried.end(), x.get()) != tried.end()) continue;
      const bool sick = x->failures >= model.upstream.eject_after && x->ejected(now);
      if (!sick && !x->saturated) return true;
    }
    return false;
  }

  std::chrono::milliseconds backoff(int attempt, const Outcome& o) {
    const long long base = model.upstream.retry_backoff_ms;
    const long long cap = std::min<long long>(kMaxBackoff.count(), base << std::min(attempt, 16));
    // Equal jitter: half fixed, half random, so retries never fire at once.
    std::uniform_int_distribution<long long> half(0, cap / 2);
    std::chrono::milliseconds d(cap - cap / 2 + half(rng));
    if (o.retry_after) d = std::max(d, *o.retry_after);
    return d;
  }

  static bool retryable(const Outcome& o) {
    if (o.retry_after && *o.retry_after > kMaxRetryAfter) return false;
    switch (o.kind) {
      case Outcome::ConnectFail:
      case Outcome::Broken:
        return true;
      case Outcome::Status:
        return o.status == 429 || o.status == 502 || o.status == 503 || o.status == 504;
      default:
        return false;
    }
  }

  Error error_of(const Outcome& o) const {
    const std::string who = "The upstream of model '" + model.id + "'";
    switch (o.kind) {
      case Outcome::Timeout:
        return Error(504, "server_error",
                     who + (o.first_byte ? " sent no response within " : " went silent for ") +
                         std::to_string(o.first_byte ? model.upstream.first_byte_timeout_s
                                                     : model.upstream.idle_timeout_s) +
                         " s.",
                     "", "upstream_timeout");
      case Outcome::Status:
        if (o.status == 429 || o.status == 503)
          return Error(503, "server_error",
                       who + " is saturated (HTTP " + std::to_string(o.status) + "): " + o.detail,
                       "", "upstream_saturated");
        return Error(502, "server_error",
                     who + " answered HTTP " + std::to_string(o.status) + ": " + o.detail, "",
                     "upstream_error");
      case Outcome::ConnectFail:
        return Error(502, "server_error", who + " is unreachable: " + o.detail, "",
                     "upstream_error");
      default:
        return Error(502, "server_error", who + " failed: " + o.detail, "", "upstream_error");
    }
  }

  // ---- one answer ----

  net::awaitable<void> run(std::shared_ptr<Call> call) {
    active.push_back(call);
    if (call->queued) {
      // Woken early (timer cancelled) when finish() hands this call a place.
      // finish() and cancel() run on this thread too, so once checked here
      // neither can slip in before the wait starts.
      bool early;
      {
        std::lock_guard lock(admit_mutex);
        early = call->admitted;
      }
      if (!early && !call->cancelled) {
        call->timer.expires_after(std::chrono::milliseconds(model.queue_wait_ms));
        beast::error_code ec;
        co_await call->timer.async_wait(with(ec));
      }
      bool admitted;
      {
        std::lock_guard lock(admit_mutex);
        admitted = call->admitted;
        if (!admitted) waiting.erase(std::find(waiting.begin(), waiting.end(), call));
      }
      if (!admitted) {
        if (call->cancelled)
          call->done.finish = FinishReason::Cancelled;
        else
          call->done.error = saturated("it waited " + std::to_string(model.queue_wait_ms) +
                                       " ms without a free place; " + limits());
        finish(call);
        co_return;
      }
    }
    std::vector<Endpoint*> tried;
    Outcome last;
    for (int attempt = 0;; ++attempt) {
      if (call->cancelled) break;
      Endpoint* e = pick(tried);
      auto task = exchange(call, *e);
      last = co_await std::move(task);
      release(*e, last);
      call->conn = nullptr;
      if (last.kind == Outcome::Done || call->cancelled) break;
      // An upstream that says it is busy: another url may not be, so try it
      // at once, without spending a retry or waiting a backoff.
      const bool busy = last.kind == Outcome::Status && (last.status == 429 || last.status == 503);
      const bool other_url = busy && !call->sent && untried_url(tried, e);
      if (other_url) {
        spdlog::info("model {}: upstream {} is saturated (HTTP {}); trying another url", model.id,
                     e->url.text, last.status);
        tried.push_back(e);
        --attempt;
        continue;
      }
      const bool again = !call->sent && attempt < model.upstream.retries && retryable(last);
      spdlog::warn("model {}: upstream {} attempt {} failed: {}{}", model.id, e->url.text,
                   attempt + 1, scrub(error_of(last).what()), again ? "; retrying" : "");
      if (!again) break;
      tried.push_back(e);
      call->timer.expires_after(backoff(attempt, last));
      beast::error_code ec;
      co_await call->timer.async_wait(with(ec));
    }
    if (call->finished) co_return;
    if (call->cancelled) {
      call->done.finish = FinishReason::Cancelled;
    } else if (last.kind != Outcome::Done) {
      call->done.error = error_of(last);
    }
    finish(call);
  }

  // Takes an idle pooled connection to `e`, or null.
  std::unique_ptr<Conn> take_idle(Endpoint& e) {
    while (!e.idle.empty()) {
      auto c = std::move(e.idle.back());
      e.idle.pop_back();
      if (Clock::now() - c->idle_since < kPoolIdle && c->lowest().socket().is_open()) return c;
    }
    return nullptr;
  }

  void keep(Endpoint& e, std::unique_ptr<Conn> c) {
    if (stopping || e.idle.size() >= kMaxIdlePerUrl) return;
    c->idle_since = Clock::now();
    c->lowest().expires_never();
    e.idle.push_back(std::move(c));
  }

  net::awaitable<std::unique_ptr<Conn>> connect(Call& call, const Url& url, Outcome& o) {
    beast::error_code ec;
    auto results = co_await call.resolver.async_resolve(url.host, url.port, with(ec));
    if (ec) {
      o = {Outcome::ConnectFail, true};
      o.detail = call.cancelled ? "cancelled" : "cannot resolve the host: " + ec.message();
      co_return nullptr;
    }
    auto c = std::make_unique<Conn>();
    if (url.tls) {
      c->tls.emplace(exec, tls_ctx);
      if (!SSL_set_tlsext_host_name(c->tls->native_handle(), url.host.c_str())) {
        o = {Outcome::ConnectFail, true};
        o.detail = "TLS: cannot set the server name";
        co_return nullptr;
      }
      if (model.upstream.tls_verify)
        c->tls->set_verify_callback(ssl::host_name_verification(url.host));
    } else {
      c->plain.emplace(exec);
    }
    call.conn = c.get();
    c->lowest().expires_after(ms_of(model.upstream.connect_timeout_s));
    co_await c->lowest().async_connect(results, with(ec));
    if (!ec) c->lowest().socket().set_option(tcp::no_delay(true), ec);
    if (!ec && c->tls) co_await c->tls->async_handshake(ssl::stream_base::client, with(ec));
    if (ec) {
      o = {Outcome::ConnectFail, true};
      o.detail = ec == beast::error::timeout
                     ? std::string("connect timed out")
                     : (c->tls ? "connect / TLS: " : "connect: ") + ec.message();
      call.conn = nullptr;
      co_return nullptr;
    }
    co_return c;
  }

  // One attempt on `e`: a pooled connection if there is one (a stale one is
  // replaced by a fresh connection transparently), else a new one.
  net::awaitable<Outcome> exchange(std::shared_ptr<Call> call, Endpoint& e) {
    Outcome o;
    for (int fresh = 0; fresh < 2; ++fresh) {
      std::unique_ptr<Conn> c = fresh ? nullptr : take_idle(e);
      const bool reused = c != nullptr;
      if (!c) {
        auto task = connect(*call, e.url, o);
        c = co_await std::move(task);
        if (!c) co_return call->cancelled ? Outcome{Outcome::Cancelled} : o;
      }
      call->conn = c.get();
      bool reusable = false;
      if (c->tls) {
        auto t = talk(*c->tls, *c, e.url, call, reusable);
        o = co_await std::move(t);
      } else {
        auto t = talk(*c->plain, *c, e.url, call, reusable);
        o = co_await std::move(t);
      }
      call->conn = nullptr;
      if (call->cancelled && o.kind != Outcome::Done) co_return Outcome{Outcome::Cancelled};
      if (reusable) keep(e, std::move(c));
      // A pooled connection the upstream had closed fails before any response
      // byte: that says nothing about the upstream, so try a fresh one.
      if (reused && o.kind == Outcome::Broken && o.before_response) continue;
      co_return o;
    }
    co_return o;
  }

  bhttp::request<bhttp::string_body> build_request(const Call& call, const Url& url) const {
    bhttp::request<bhttp::string_body> req{bhttp::verb::post, url.target, 11};
    const bool default_port = url.port == (url.tls ? "443" : "80");
    const std::string host =
        url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    req.set(bhttp::field::host, default_port ? host : host + ":" + url.port);
    req.set(bhttp::field::user_agent, "perimeter");
    req.set(bhttp::field::content_type, "application/json");
    req.set(bhttp::field::accept, call.stream ? "text/event-stream" : "application/json");
    if (!api_key.empty()) req.set(bhttp::field::authorization, "Bearer " + api_key);
    req.keep_alive(true);
    req.body() = call.body;
    req.prepare_payload();
    return req;
  }

  // Sends the request and reads the answer on an open connection.
  // `reusable` is set if the connection may go back to the pool.
  template <class Stream>
  net::awaitable<Outcome> talk(Stream& s, Conn& c, const Url& url, std::shared_ptr<Call> cp,
                               bool& reusable) {
    Call& call = *cp;
    beast::tcp_stream& low = c.lowest();
    const auto first_byte = ms_of(model.upstream.first_byte_timeout_s);
    const auto idle = ms_of(model.upstream.idle_timeout_s);
    beast::error_code ec;
    auto req = build_request(call, url);
    low.expires_after(first_byte);
    co_await bhttp::async_write(s, req, with(ec));
    if (ec) co_return broken(ec, true, "sending the request");

    bhttp::response_parser<bhttp::buffer_body> p;
    p.body_limit(
        std::numeric_limits<std::uint64_t>::max());  // not none: Boost 1.74 mis-compares it
    co_await bhttp::async_read_header(s, c.buffer, p, with(ec));
    if (ec) co_return broken(ec, c.buffer.size() == 0, "waiting for the response");
    const auto& head = p.get();
    const int status = static_cast<int>(head.result_int());
    const std::string ctype(head[bhttp::field::content_type]);
    const bool sse = ctype.find("text/event-stream") != std::string::npos;

    const bool ok = status >= 200 && status <= 299;
    Outcome o;
    std::string raw;  // the body of an error or JSON answer
    SseParser parser;
    StreamState st;
    char tmp[16384];
    bool got_body_byte = false;
    bool truncated = false;  // an error body past kMaxErrorBody: stop reading
    while (!p.is_done() && !truncated) {
      // A stream's first event may take as long as a first byte; after that,
      // and inside any other body, silence is bounded by the idle timeout.
      // Once the answer is delivered, reading on only decides about pooling.
      low.expires_after(call.finished                 ? std::chrono::milliseconds(1000)
                        : sse && ok && !got_body_byte ? first_byte
                                                      : idle);
      p.get().body().data = tmp;
      p.get().body().size = sizeof tmp;
      co_await bhttp::async_read_some(s, c.buffer, p, with(ec));
      if (ec == bhttp::error::need_buffer) ec = {};
      size_t n = sizeof tmp - p.get().body().size;
      if (n) got_body_byte = true;
      if (n && (!ok || !sse)) {
        const size_t limit = ok ? kMaxJsonBody : kMaxErrorBody;
        if (raw.size() + n > limit) {
          if (ok) {
            o = {Outcome::Invalid};
            o.detail = "the answer is larger than " + std::to_string(limit) + " bytes";
            co_return o;
          }
          truncated = true;
          n = limit - raw.size();
        }
        raw.append(tmp, n);
      } else if (n) {
        parser.feed(std::string_view(tmp, n), [&](const SseEvent& ev) { on_event(call, ev, st); });
        if (parser.buffered() > kMaxSseLine) st.fail("an event line is too long");
        if (st.failed) break;
        if (st.done_seen && !call.finished) {
          call.done.finish = st.finish;
          call.done.usage = st.usage;
          finish(cp);
        }
      }
      if (ec) break;
    }
    if (ec) {
      if (call.finished) co_return Outcome{Outcome::Done};  // after [DONE]: just not pooled
      if (ec == beast::error::timeout) {
        o = {Outcome::Timeout};
        o.first_byte = sse && ok && !got_body_byte;
        co_return o;
      }
      co_return broken(ec, false, "reading the answer");
    }
    reusable = head.keep_alive() && p.is_done();
    if (status < 200 || status > 299) {
      o = {Outcome::Status};
      o.status = status;
      o.detail = summarise(raw);
      const std::string ra(head[bhttp::field::retry_after]);
      if (!ra.empty() && std::all_of(ra.begin(), ra.end(), ::isdigit) && ra.size() < 7)
        o.retry_after = std::chrono::milliseconds(std::stoll(ra) * 1000);
      co_return o;
    }
    if (sse) {
      if (st.failed) {
        reusable = false;
        o = {Outcome::Invalid};
        o.detail = st.error;
        co_return o;
      }
      if (call.finished) co_return Outcome{Outcome::Done};
      if (!st.finish_seen) {
        o = {Outcome::Broken};
        o.detail = "the upstream ended the stream before the answer was complete";
        co_return o;
      }
      call.done.finish = st.finish;
      call.done.usage = st.usage;
      co_return Outcome{Outcome::Done};
    }
    co_return read_json_answer(call, raw);
  }

  // ---- load probes ----

  // Every interval, asks `e` how loaded it is; a probe that fails leaves the
  // url usable (unknown is not busy) and is logged once per failure streak.
  net::awaitable<void> probe_loop(Endpoint& e) {
    const auto interval = std::chrono::milliseconds(model.upstream.probe_interval_ms);
    const std::string target =
        e.url.root + (model.upstream.probe == "llamacpp_slots" ? "/slots" : "/metrics");
    while (!stopping) {
      std::string body, error;
      int status = 0;
      {
        auto t = probe_get(e, target, status, body, error);
        co_await std::move(t);
      }
      if (stopping) break;
      std::optional<bool> busy;
      if (error.empty() && status == 200)
        busy = model.upstream.probe == "llamacpp_slots" ? slots_busy(body, error)
                                                        : vllm_busy(body, error);
      else if (error.empty())
        error = "HTTP " + std::to_string(status) +
                (status == 501 || status == 404 ? " (is the endpoint enabled?)" : "");
      {
        std::lock_guard lock(mutex);
        if (busy) {
          if (*busy != e.saturated)
            spdlog::info("model {}: upstream {} is {} (load probe {})", model.id, e.url.text,
                         *busy ? "saturated; skipped until it is not" : "no longer saturated",
                         model.upstream.probe);
          e.saturated = *busy;
          e.probe_failures = 0;
        } else {
          if (e.probe_failures++ == 0)
            spdlog::warn(
                "model {}: load probe {} of {} failed: {}; treating its load as unknown "
                "(not saturated) until a probe succeeds",
                model.id, target, e.url.text, scrub(error));
          e.saturated = false;
        }
      }
      e.probe_timer->expires_after(interval);
      beast::error_code ec;
      co_await e.probe_timer->async_wait(with(ec));
    }
  }

  // GET `target` on a fresh connection to `e`, bounded by the connect timeout.
  net::awaitable<void> probe_get(Endpoint& e, const std::string& target, int& status,
                                 std::string& body, std::string& error) {
    beast::error_code ec;
    tcp::resolver resolver(exec);
    auto results = co_await resolver.async_resolve(e.url.host, e.url.port, with(ec));
    if (ec) {
      error = "cannot resolve the host: " + ec.message();
      co_return;
    }
    bhttp::request<bhttp::empty_body> req{bhttp::verb::get, target, 11};
    req.set(bhttp::field::host, e.url.host);
    req.set(bhttp::field::user_agent, "perimeter");
    if (!api_key.empty()) req.set(bhttp::field::authorization, "Bearer " + api_key);
    req.keep_alive(false);
    bhttp::response_parser<bhttp::string_body> p;
    p.body_limit(4u << 20);
    beast::flat_buffer buf;
    std::optional<beast::tcp_stream> plain;
    std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
    if (e.url.tls) {
      tls.emplace(exec, tls_ctx);
      SSL_set_tlsext_host_name(tls->native_handle(), e.url.host.c_str());
      if (model.upstream.tls_verify)
        tls->set_verify_callback(ssl::host_name_verification(e.url.host));
    } else {
      plain.emplace(exec);
    }
    beast::tcp_stream& low = tls ? beast::get_lowest_layer(*tls) : *plain;
    e.probe_stream = &low;
    low.expires_after(ms_of(model.upstream.connect_timeout_s));
    co_await low.async_connect(results, with(ec));
    if (!ec && tls) co_await tls->async_handshake(ssl::stream_base::client, with(ec));
    if (!ec && tls) co_await bhttp::async_write(*tls, req, with(ec));
    if (!ec && plain) co_await bhttp::async_write(*plain, req, with(ec));
    if (!ec && tls) co_await bhttp::async_read(*tls, buf, p, with(ec));
    if (!ec && plain) co_await bhttp::async_read(*plain, buf, p, with(ec));
    e.probe_stream = nullptr;
    if (ec) {
      error = ec == beast::error::timeout ? std::string("timed out") : ec.message();
      co_return;
    }
    status = static_cast<int>(p.get().result_int());
    body = std::move(p.get().body());
  }

  // llama-server's /slots: busy when every slot is processing.
  static std::optional<bool> slots_busy(const std::string& body, std::string& error) {
    json j = json::parse(body, nullptr, false);
    if (j.is_discarded() || !j.is_array() || j.empty()) {
      error = "/slots did not answer a JSON array of slots";
      return std::nullopt;
    }
    for (const auto& slot : j) {
      if (!slot.is_object()) continue;
      // Older servers report `state` (0 idle, 1 processing) instead.
      const bool processing = slot.contains("is_processing") ? slot["is_processing"].is_boolean() &&
                                                                   slot["is_processing"].get<bool>()
                                                             : slot.value("state", 0) != 0;
      if (!processing) return false;
    }
    return true;
  }

  // vLLM's Prometheus text: busy when vllm:num_requests_waiting (summed over
  // its label sets) is above max_waiting.
  std::optional<bool> vllm_busy(const std::string& body, std::string& error) const {
    static const std::string name = "vllm:num_requests_waiting";
    std::istringstream in(body);
    std::string line;
    bool found = false;
    double waiting = 0;
    while (std::getline(in, line)) {
      if (line.compare(0, name.size(), name) != 0) continue;
      if (line.size() > name.size() && line[name.size()] != '{' && line[name.size()] != ' ')
        continue;
      size_t at = line.find('}');
      at = at == std::string::npos ? name.size() : at + 1;
      std::istringstream value(line.substr(at));
      double v;
      if (!(value >> v)) continue;
      waiting += v;
      found = true;
    }
    if (!found) {
      error = "/metrics has no " + name + " sample";
      return std::nullopt;
    }
    return waiting > model.upstream.probe_max_waiting;
  }

  // ---- reading answers ----

  struct StreamState {
    bool done_seen = false;    // data: [DONE]
    bool finish_seen = false;  // a finish_reason
    FinishReason finish = FinishReason::Stop;
    Usage usage;
    bool failed = false;
    std::string error;
    void fail(std::string why) {
      if (!failed) error = std::move(why);
      failed = true;
    }
  };

  static FinishReason finish_of(const json& v) {
    return v.is_string() && v.get<std::string>() == "length" ? FinishReason::Length
                                                             : FinishReason::Stop;
  }

  static void read_usage(const json& j, Usage& u) {
    if (!j.contains("usage") || !j["usage"].is_object()) return;
    const json& x = j["usage"];
    if (x.contains("prompt_tokens") && x["prompt_tokens"].is_number_integer())
      u.prompt_tokens = x["prompt_tokens"].get<int>();
    if (x.contains("completion_tokens") && x["completion_tokens"].is_number_integer())
      u.completion_tokens = x["completion_tokens"].get<int>();
  }

  void on_event(Call& call, const SseEvent& ev, StreamState& st) {
    if (st.failed || st.done_seen) return;
    if (ev.data == "[DONE]") {
      st.done_seen = true;
      return;
    }
    json j = json::parse(ev.data, nullptr, false);
    if (j.is_discarded() || !j.is_object())
      return st.fail("the upstream sent an event that is not JSON");
    if (j.contains("error")) return st.fail("error event: " + summarise(ev.data));
    read_usage(j, st.usage);
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty()) return;
    const json& choice = j["choices"][0];
    if (!choice.is_object()) return;
    if (choice.contains("delta") && choice["delta"].is_object()) {
      const json& d = choice["delta"];
      if (d.contains("content") && d["content"].is_string())
        emit(call, d["content"].get_ref<const std::string&>());
    }
    if (choice.contains("finish_reason") && choice["finish_reason"].is_string()) {
      st.finish_seen = true;
      st.finish = finish_of(choice["finish_reason"]);
    }
  }

  Outcome read_json_answer(Call& call, const std::string& raw) {
    Outcome o{Outcome::Invalid};
    json j = json::parse(raw, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      o.detail = "the answer is not JSON";
      return o;
    }
    if (!j.contains("choices") || !j["choices"].is_array() || j["choices"].empty() ||
        !j["choices"][0].is_object()) {
      o.detail = "the answer has no choices: " + summarise(raw);
      return o;
    }
    const json& choice = j["choices"][0];
    std::string content;
    if (choice.contains("message") && choice["message"].is_object() &&
        choice["message"].contains("content") && choice["message"]["content"].is_string())
      content = choice["message"]["content"].get<std::string>();
    if (choice.contains("finish_reason")) call.done.finish = finish_of(choice["finish_reason"]);
    read_usage(j, call.done.usage);
    emit(call, content);
    return Outcome{Outcome::Done};
  }

  // The upstream's own error message, or the start of its body, scrubbed.
  std::string summarise(const std::string& body) const {
    std::string msg;
    json j = json::parse(body, nullptr, false);
    if (!j.is_discarded() && j.is_object() && j.contains("error")) {
      const json& e = j["error"];
      if (e.is_object() && e.contains("message") && e["message"].is_string())
        msg = e["message"].get<std::string>();
      else if (e.is_string())
        msg = e.get<std::string>();
    }
    if (msg.empty()) msg = body;
    if (msg.size() > 300) msg = msg.substr(0, 300) + "...";
    for (auto& ch : msg)
      if (static_cast<unsigned char>(ch) < 0x20) ch = ' ';
    return utf8_sanitize(scrub(msg));
  }

  static Outcome broken(const beast::error_code& ec, bool before_response, const char* when) {
    Outcome o;
    if (ec == beast::error::timeout) {
      o.kind = Outcome::Timeout;
      o.first_byte = true;
      return o;
    }
    o.kind = Outcome::Broken;
    o.before_response = before_response;
    o.detail = std::string("connection lost ") + when + ": " + ec.message();
    return o;
  }
};

HttpBackend::HttpBackend(const config::Model& model, std::shared_ptr<net::io_context> shared)
    : impl_(std::make_unique<Impl>(model, std::move(shared))) {}

HttpBackend::~HttpBackend() = default;

std::function<void()> HttpBackend::start(const ChatRequest& request, AnswerSink sink) {
  Impl& im = *impl_;
  json body = upstream_body(im.model, request);
  if (im.stopping)
    throw Error(503, "server_error", "The server is shutting down.", "", "overloaded");
  if (im.all_saturated())
    throw im.saturated("every url's load probe (" + im.model.upstream.probe + ") reports it busy");
  auto call = std::make_shared<Impl::Call>(im.own_thread ? im.ioc : nullptr, im.exec);
  call->body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  call->stream = request.stream;
  call->sink = std::move(sink);
  {
    std::lock_guard lock(im.admit_mutex);
    if (im.running < im.model.upstream.max_inflight && im.waiting.empty()) {
      call->admitted = true;
      ++im.running;
    } else if (im.model.queue_wait_ms > 0 && static_cast<int>(im.waiting.size()) < im.model.queue) {
      call->queued = true;
      im.waiting.push_back(call);
    } else {
      throw im.saturated(std::to_string(im.running) + " requests are in flight and " +
                         std::to_string(im.waiting.size()) + " waiting; its limits are " +
                         im.limits());
    }
  }
  net::co_spawn(im.exec, im.run(call), net::detached);
  return [call] {
    if (call->own_ioc && call->own_ioc->stopped()) return;
    net::post(call->exec, [call] { Impl::cancel(*call); });
  };
}

BackendInfo HttpBackend::info() const {
  return {impl_->model.id, "http", impl_->model.upstream.model, impl_->model.egress, {}};
}

UpstreamStats HttpBackend::stats() const {
  UpstreamStats s;
  const Impl& im = *impl_;
  s.max_inflight = im.model.upstream.max_inflight;
  s.queue = im.model.queue;
  s.queue_wait_ms = im.model.queue_wait_ms;
  {
    std::lock_guard lock(impl_->admit_mutex);
    s.inflight = im.running;
    s.queued = static_cast<int>(im.waiting.size());
  }
  const auto now = Clock::now();
  bool all_busy = im.model.upstream.probe != "none";
  {
    std::lock_guard lock(im.mutex);
    for (const auto& e : im.endpoints) {
      s.urls.push_back({e->url.text, e->inflight, e->failures,
                        e->failures >= im.model.upstream.eject_after && e->ejected(now),
                        e->saturated, e->probe_failures});
      all_busy = all_busy && e->saturated;
    }
  }
  s.saturated =
      all_busy || (s.inflight >= s.max_inflight && (s.queue_wait_ms == 0 || s.queued >= s.queue));
  return s;
}

}  // namespace perimeter::backends
