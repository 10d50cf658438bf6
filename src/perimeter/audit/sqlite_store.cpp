// SQLite store: WAL journal, one connection guarded by a mutex (the audit log
// already serialises writers through its group commit), prepared statements.
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "audit/store.h"

namespace perimeter::audit {
namespace {

constexpr const char* kSchema = R"sql(
-- No secondary index: each one adds a B-tree page write to every commit, and
-- the only non-key readers (reports, budget seeding) scan anyway.
CREATE TABLE IF NOT EXISTS audit_records (
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL,
  time_ms INTEGER NOT NULL,
  type TEXT NOT NULL,
  request_id TEXT NOT NULL,
  body TEXT NOT NULL,
  hash TEXT NOT NULL,
  sig TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (chain, seq)
);
CREATE TABLE IF NOT EXISTS audit_heads (
  chain TEXT PRIMARY KEY,
  seq INTEGER NOT NULL,
  hash TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  sig TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS audit_text (
  chain TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  request_id TEXT NOT NULL,
  time_ms INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (chain, seq, kind)
);
)sql";

class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
  }
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& text(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
  }
  Stmt& int64(int i, int64_t v) {
    sqlite3_bind_int64(s_, i, v);
    return *this;
  }
  // Steps once; true if a row is available.
  bool step() {
    int rc = sqlite3_step(s_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw std::runtime_error(std::string("sqlite: ") + sqlite3_errmsg(db_));
  }
  void reset() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  std::string col_text(int i) const {
    auto p = reinterpret_cast<const char*>(sqlite3_column_text(s_, i));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, i))) : std::string();
  }
  int64_t col_int(int i) const { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3* db_;
  sqlite3_stmt* s_ = nullptr;
};

// Resets the statement on scope exit, whatever happened.
struct ResetGuard {
  Stmt& s;
  ~ResetGuard() { s.reset(); }
};

class SqliteStore final : public Store {
 public:
  SqliteStore(const std::string& path, const StoreOptions& options) : path_(path) {
    std::filesystem::path p(path);
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
    if (sqlite3_open_v2(path.c_str(), &db_,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                        nullptr) != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("cannot open sqlite audit store " + path + ": " + msg);
    }
    sqlite3_busy_timeout(db_, 10000);
    exec("PRAGMA journal_mode=WAL");
    exec(options.sync == SyncMode::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
    // Checkpointing the WAL into the database file fsyncs; done inline it
    // stalls whichever commit crosses the threshold (milliseconds at p99), so
    // a background thread does it on its own connection instead.
    exec("PRAGMA wal_autocheckpoint=0");
    sqlite3_wal_hook(db_, &SqliteStore::wal_hook, this);
    // Purged text must not linger in free pages.
    exec("PRAGMA secure_delete=ON");
    exec(kSchema);
    insert_row_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO audit_records (chain, seq, time_ms, type, request_id, body, hash, sig) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert_text_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO audit_text (chain, seq, kind, request_id, time_ms, text) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    upsert_head_ = std::make_unique<Stmt>(
        db_,
        "INSERT INTO audit_heads (chain, seq, hash, time_ms, sig) VALUES (?1, ?2, ?3, ?4, ?5) "
        "ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
        "time_ms = excluded.time_ms, sig = excluded.sig");
    begin_ = std::make_unique<Stmt>(db_, "BEGIN IMMEDIATE");
    commit_ = std::make_unique<Stmt>(db_, "COMMIT");
    checkpointer_ = std::thread([this, path, options] { checkpoint_loop(path, options); });
  }

  ~SqliteStore() override {
    {
      std::lock_guard lk(ck_mu_);
      ck_stop_ = true;
    }
    ck_cv_.notify_all();
    checkpointer_.join();
    insert_row_.reset();
    insert_text_.reset();
    upsert_head_.reset();
    begin_.reset();
    commit_.reset();
    sqlite3_close_v2(db_);
    for (int fd : lock_fds_) ::close(fd);
  }

  void append(const std::vector<Row>& rows, const std::vector<TextRow>& texts,
              const Head* head) override {
    std::lock_guard lk(mu_);
    {
      ResetGuard g{*begin_};
      begin_->step();
    }
    try {
      for (const Row& r : rows) {
        ResetGuard g{*insert_row_};
        insert_row_->text(1, r.chain)
            .int64(2, r.seq)
            .int64(3, r.time_ms)
            .text(4, r.type)
            .text(5, r.request_id)
            .text(6, r.body)
            .text(7, r.hash)
            .text(8, r.sig)
            .step();
      }
      for (const TextRow& t : texts) {
        ResetGuard g{*insert_text_};
        insert_text_->text(1, t.chain)
            .int64(2, t.seq)
            .text(3, t.kind)
            .text(4, t.request_id)
            .int64(5, t.time_ms)
            .text(6, t.text)
            .step();
      }
      if (head) {
        ResetGuard g{*upsert_head_};
        upsert_head_->text(1, head->chain)
            .int64(2, head->seq)
            .text(3, head->hash)
            .int64(4, head->time_ms)
            .text(5, head->sig)
            .step();
      }
      ResetGuard g{*commit_};
      commit_->step();
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  void claim_chain(const std::string& chain) override {
    // A lock file per chain next to the database; the kernel drops the flock
    // if the process dies, so a crash never leaves the chain claimed.
    std::string lock_path = path_ + ".writer-" + chain + ".lock";
    int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot open " + lock_path);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      ::close(fd);
      throw std::runtime_error("audit chain '" + chain + "' in " + path_ +
                               " is already being written by another process (" + lock_path +
                               "); give each replica its own audit.replica name");
    }
    std::lock_guard lk(mu_);
    lock_fds_.push_back(fd);
  }

  std::optional<Head> head(const std::string& chain) override {
    std::lock_guard lk(mu_);
    Stmt s(db_, "SELECT chain, seq, hash, time_ms, sig FROM audit_heads WHERE chain = ?1");
    s.text(1, chain);
    if (!s.step()) return std::nullopt;
    return Head{s.col_text(0), s.col_int(1), s.col_text(2), s.col_int(3), s.col_text(4)};
  }

  std::optional<Row> last(const std::string& chain) override {
    std::lock_guard lk(mu_);
    Stmt s(db_,
           "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
           "WHERE chain = ?1 ORDER BY seq DESC LIMIT 1");
    s.text(1, chain);
    if (!s.step()) return std::nullopt;
    return row_of(s);
  }

  std::vector<std::string> chains() override {
    std::lock_guard lk(mu_);
    Stmt s(db_,
           "SELECT DISTINCT chain FROM audit_records UNION SELECT chain FROM audit_heads "
           "ORDER BY 1");
    std::vector<std::string> out;
    while (s.step()) out.push_back(s.col_text(0));
    return out;
  }

  void scan(const std::string& chain, int64_t from_seq,
            const std::function<bool(const Row&)>& fn) override {
    // Pages through the chain so the lock is not held while `fn` runs.
    int64_t next = from_seq;
    for (;;) {
      std::vector<Row> page;
      {
        std::lock_guard lk(mu_);
        Stmt s(db_,
               "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
               "WHERE chain = ?1 AND seq >= ?2 ORDER BY seq LIMIT 2000");
        s.text(1, chain).int64(2, next);
        while (s.step()) page.push_back(row_of(s));
      }
      if (page.empty()) return;
      for (const Row& r : page)
        if (!fn(r)) return;
      next = page.back().seq + 1;
    }
  }

  void scan_type(const std::string& type, int64_t since_ms,
                 const std::function<bool(const Row&)>& fn) override {
    // Streams under the lock: `fn` must not call back into this store.
    std::lock_guard lk(mu_);
    Stmt s(db_,
           "SELECT chain, seq, time_ms, type, request_id, body, hash, sig FROM audit_records "
           "WHERE type = ?1 AND time_ms >= ?2 ORDER BY chain, seq");
    s.text(1, type).int64(2, since_ms);
    while (s.step())
      if (!fn(row_of(s))) return;
  }

  std::optional<std::string> text(const std::string& chain, int64_t seq,
                                  const std::string& kind) override {
    std::lock_guard lk(mu_);
    Stmt s(db_, "SELECT text FROM audit_text WHERE chain = ?1 AND seq = ?2 AND kind = ?3");
    s.text(1, chain).int64(2, seq).text(3, kind);
    if (!s.step()) return std::nullopt;
    return s.col_text(0);
  }

  int64_t purge_text(int64_t before_ms) override {
    std::lock_guard lk(mu_);
    Stmt s(db_, "DELETE FROM audit_text WHERE time_ms < ?1");
    s.int64(1, before_ms);
    s.step();
    int64_t n = sqlite3_changes64(db_);
    // Old page images stay in the WAL until it is checkpointed and truncated.
    exec("PRAGMA wal_checkpoint(TRUNCATE)");
    return n;
  }

  void exec_for_test(const std::string& sql) override {
    std::lock_guard lk(mu_);
    exec(sql.c_str());
  }

 private:
  static int wal_hook(void* self, sqlite3*, const char*, int pages) {
    if (pages >= kCheckpointPages) {
      auto* me = static_cast<SqliteStore*>(self);
      std::lock_guard lk(me->ck_mu_);
      me->ck_wanted_ = true;
      me->ck_cv_.notify_one();
    }
    return SQLITE_OK;
  }

  // Copies the WAL into the database (PASSIVE: never blocks the writer), when
  // the WAL passes kCheckpointPages and at least once a second.
  void checkpoint_loop(const std::string& path, const StoreOptions& options) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      return;  // the writer's own close still checkpoints
    }
    sqlite3_exec(
        db,
        options.sync == SyncMode::Full ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
        nullptr, nullptr, nullptr);
    std::unique_lock lk(ck_mu_);
    while (!ck_stop_) {
      ck_cv_.wait_for(lk, std::chrono::seconds(1), [&] { return ck_stop_ || ck_wanted_; });
      if (ck_stop_) break;
      ck_wanted_ = false;
      lk.unlock();
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lk.lock();
    }
    sqlite3_close_v2(db);
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      throw std::runtime_error("sqlite: " + msg);
    }
  }

  static Row row_of(const Stmt& s) {
    return Row{s.col_text(0), s.col_int(1),  s.col_int(2),  s.col_text(3),
               s.col_text(4), s.col_text(5), s.col_text(6), s.col_text(7)};
  }

  std::mutex mu_;
  std::string path_;
  std::vector<int> lock_fds_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Stmt> insert_row_, insert_text_, upsert_head_, begin_, commit_;

  static constexpr int kCheckpointPages = 1000;
  std::mutex ck_mu_;
  std::condition_variable ck_cv_;
  bool ck_stop_ = false, ck_wanted_ = false;
  std::thread checkpointer_;
};

}  // namespace

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options) {
  return std::make_unique<SqliteStore>(path, options);
}

}  // namespace perimeter::audit
