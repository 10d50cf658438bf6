// PostgreSQL store (libpq): one connection guarded by a mutex. A batch is one
// simple-protocol query string of several statements, which PostgreSQL runs
// as a single implicit transaction: one round trip and one WAL flush per
// group commit.
#include <libpq-fe.h>

#include <mutex>
#include <stdexcept>

#include "audit/store.h"

namespace perimeter::audit {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS audit_records (
  chain TEXT NOT NULL,
  seq BIGINT NOT NULL,
  time_ms BIGINT NOT NULL,
  type TEXT NOT NULL,
  request_id TEXT NOT NULL,
  body TEXT NOT NULL,
  hash TEXT NOT NULL,
  sig TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (chain, seq)
);
CREATE INDEX IF NOT EXISTS audit_records_type_time ON audit_records (type, time_ms);
CREATE TABLE IF NOT EXISTS audit_heads (
  chain TEXT PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  sig TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_text (
  chain TEXT NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  time_ms BIGINT NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (chain, seq, kind)
);
)sql";

using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

class PgStore final : public Store {
 public:
  PgStore(const std::string& conninfo, const StoreOptions& options)
      : conninfo_(conninfo), sync_(options.sync) {
    connect();
    // Replicas may start together: serialise schema creation.
    run("SELECT pg_advisory_lock(4242004201)");
    try {
      run(kSchema);
    } catch (...) {
      run("SELECT pg_advisory_unlock(4242004201)");
      throw;
    }
    run("SELECT pg_advisory_unlock(4242004201)");
  }

  ~PgStore() override {
    if (conn_) PQfinish(conn_);
  }

  void append(const std::vector<Row>& rows, const std::vector<TextRow>& texts,
              const Head* head) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    std::string q;
    q.reserve(rows.size() * 900 + 512);
    if (!rows.empty()) {
      q += "INSERT INTO audit_records (chain, seq, time_ms, type, request_id, body, hash, sig) "
           "VALUES ";
      for (size_t i = 0; i < rows.size(); ++i) {
        const Row& r = rows[i];
        if (i) q += ',';
        q += '(';
        q += lit(r.chain) + ',' + std::to_string(r.seq) + ',' + std::to_string(r.time_ms) + ',' +
             lit(r.type) + ',' + lit(r.request_id) + ',' + lit(r.body) + ',' + lit(r.hash) + ',' +
             lit(r.sig);
        q += ')';
      }
      q += ';';
    }
    if (!texts.empty()) {
      q += "INSERT INTO audit_text (chain, seq, kind, request_id, time_ms, text) VALUES ";
      for (size_t i = 0; i < texts.size(); ++i) {
        const TextRow& t = texts[i];
        if (i) q += ',';
        q += '(' + lit(t.chain) + ',' + std::to_string(t.seq) + ',' + lit(t.kind) + ',' +
             lit(t.request_id) + ',' + std::to_string(t.time_ms) + ',' + lit(t.text) + ')';
      }
      q += ';';
    }
    if (head)
      q += "INSERT INTO audit_heads (chain, seq, hash, time_ms, sig) VALUES (" + lit(head->chain) +
           ',' + std::to_string(head->seq) + ',' + lit(head->hash) + ',' +
           std::to_string(head->time_ms) + ',' + lit(head->sig) +
           ") ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
           "time_ms = excluded.time_ms, sig = excluded.sig;";
    if (q.empty()) return;
    run(q.c_str());
  }

  void claim_chain(const std::string& chain) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    lock_chain(chain);
    claimed_.push_back(chain);
  }

  std::optional<Head> head(const std::string& chain) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    auto r =
        query("SELECT chain, seq, hash, time_ms, sig FROM audit_heads WHERE chain = $1", {chain});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return Head{val(r, 0, 0), ival(r, 0, 1), val(r, 0, 2), ival(r, 0, 3), val(r, 0, 4)};
  }

  std::optional<Row> last(const std::string& chain) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    auto r = query(
        "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
        "WHERE chain = $1 ORDER BY seq DESC LIMIT 1",
        {chain});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return row_of(r, 0);
  }

  std::vector<std::string> chains() override {
    std::lock_guard lk(mu_);
    ensure_connected();
    auto r = query(
        "SELECT DISTINCT chain FROM audit_records UNION SELECT chain FROM audit_heads ORDER BY 1",
        {});
    std::vector<std::string> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) out.push_back(val(r, i, 0));
    return out;
  }

  void scan(const std::string& chain, int64_t from_seq,
            const std::function<bool(const Row&)>& fn) override {
    int64_t next = from_seq;
    for (;;) {
      std::vector<Row> page;
      {
        std::lock_guard lk(mu_);
        ensure_connected();
        auto r = query(
            "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
            "WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT 2000",
            {chain, std::to_string(next)});
        for (int i = 0; i < PQntuples(r.get()); ++i) page.push_back(row_of(r, i));
      }
      if (page.empty()) return;
      for (const Row& row : page)
        if (!fn(row)) return;
      next = page.back().seq + 1;
    }
  }

  void scan_type(const std::string& type, int64_t since_ms,
                 const std::function<bool(const Row&)>& fn) override {
    // Keyset paging on the primary key (chain, seq).
    std::string c, s = "0";
    for (;;) {
      std::vector<Row> page;
      {
        std::lock_guard lk(mu_);
        ensure_connected();
        auto r = query(
            "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
            "WHERE type = $1 AND time_ms >= $2 AND (chain, seq) > ($3, $4::bigint) "
            "ORDER BY chain, seq LIMIT 2000",
            {type, std::to_string(since_ms), c, s});
        for (int i = 0; i < PQntuples(r.get()); ++i) page.push_back(row_of(r, i));
      }
      if (page.empty()) return;
      for (const Row& row : page)
        if (!fn(row)) return;
      c = page.back().chain;
      s = std::to_string(page.back().seq);
    }
  }

  std::optional<std::string> text(const std::string& chain, int64_t seq,
                                  const std::string& kind) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    auto r = query("SELECT text FROM audit_text WHERE chain = $1 AND seq = $2 AND kind = $3",
                   {chain, std::to_string(seq), kind});
    if (PQntuples(r.get()) == 0) return std::nullopt;
    return val(r, 0, 0);
  }

  int64_t purge_text(int64_t before_ms) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    auto r = query("DELETE FROM audit_text WHERE time_ms < $1", {std::to_string(before_ms)});
    return std::stoll(PQcmdTuples(r.get()));
  }

  void exec_for_test(const std::string& sql) override {
    std::lock_guard lk(mu_);
    ensure_connected();
    run(sql.c_str());
  }

 private:
  void connect() {
    // A bounded connect: an unreachable server fails the commit in seconds
    // instead of holding every request that waits for it. The URL's own
    // connect_timeout, if any, comes later and wins.
    const char* keys[] = {"connect_timeout", "dbname", nullptr};
    const char* values[] = {"5", conninfo_.c_str(), nullptr};
    conn_ = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (PQstatus(conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(conn_);
      PQfinish(conn_);
      conn_ = nullptr;
      throw std::runtime_error("cannot connect to the PostgreSQL audit store: " + msg);
    }
    // Schema creation is idempotent; its "already exists" notices are noise.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
    run("SET client_encoding = 'UTF8'");
    if (sync_ == SyncMode::Normal) run("SET synchronous_commit = off");
  }

  // Reconnects after a dropped connection, so one outage does not disable the
  // log, and re-claims our chains (session advisory locks die with the session).
  void ensure_connected() {
    if (conn_ && PQstatus(conn_) == CONNECTION_OK) return;
    if (conn_) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
    connect();
    for (const auto& c : claimed_) lock_chain(c);
  }

  // A session-level advisory lock keyed by the chain name.
  void lock_chain(const std::string& chain) {
    auto r = query(
        "SELECT pg_try_advisory_lock(hashtextextended("
        "'perimeter-audit:' || current_schema() || ':' || $1, 0))",
        {chain});
    if (val(r, 0, 0) != "t")
      throw std::runtime_error("audit chain '" + chain +
                               "' is already being written by another gateway; give each "
                               "replica its own audit.replica name");
  }

  std::string lit(const std::string& s) {
    char* e = PQescapeLiteral(conn_, s.data(), s.size());
    if (!e) throw std::runtime_error(std::string("PostgreSQL escape: ") + PQerrorMessage(conn_));
    std::string out(e);
    PQfreemem(e);
    return out;
  }

  void run(const char* sql) {
    ResultPtr r(PQexec(conn_, sql), PQclear);
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error(std::string("PostgreSQL: ") + PQerrorMessage(conn_));
  }

  ResultPtr query(const char* sql, const std::vector<std::string>& params) {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p.c_str());
    ResultPtr r(PQexecParams(conn_, sql, static_cast<int>(values.size()), nullptr, values.data(),
                             nullptr, nullptr, 0),
                PQclear);
    auto st = PQresultStatus(r.get());
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
      throw std::runtime_error(std::string("PostgreSQL: ") + PQerrorMessage(conn_));
    return r;
  }

  static std::string val(const ResultPtr& r, int row, int col) {
    return std::string(PQgetvalue(r.get(), row, col),
                       static_cast<size_t>(PQgetlength(r.get(), row, col)));
  }
  static int64_t ival(const ResultPtr& r, int row, int col) {
    return std::stoll(PQgetvalue(r.get(), row, col));
  }
  static Row row_of(const ResultPtr& r, int i) {
    return Row{val(r, i, 0), ival(r, i, 1), ival(r, i, 2), val(r, i, 3),
               val(r, i, 4), val(r, i, 5),  val(r, i, 6),  val(r, i, 7)};
  }

  std::mutex mu_;
  std::string conninfo_;
  SyncMode sync_;
  PGconn* conn_ = nullptr;
  std::vector<std::string> claimed_;
};

}  // namespace

std::unique_ptr<Store> open_pg_store(const std::string& conninfo, const StoreOptions& options) {
  return std::make_unique<PgStore>(conninfo, options);
}

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options) {
  if (url.rfind("sqlite:", 0) == 0) {
    std::string path = url.substr(7);
    if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite://PATH
    if (path.empty()) throw std::runtime_error("audit store '" + url + "': empty sqlite path");
    return open_sqlite_store(path, options);
  }
  if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0)
    return open_pg_store(url, options);
  throw std::runtime_error("audit store '" + url +
                           "': expected sqlite:PATH or postgresql://USER@HOST:PORT/DB");
}

}  // namespace perimeter::audit
