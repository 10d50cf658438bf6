// Invariant 4: no prompt or completion text in the store unless store_text is
// on; then it lives outside the chain and purging it keeps the chain valid.
// Checked by grepping the SQLite files (db, WAL, shm) for a unique marker.
#include <gtest/gtest.h>

#include <fstream>
#include <random>
#include <sstream>

#include "audit/audit_log.h"
#include "audit/audit_test_util.h"
#include "audit/verify.h"

namespace perimeter::audit {
namespace {

using perimeter::testing::sample_decision;
using perimeter::testing::sample_outcome;
using perimeter::testing::TempDir;

std::string unique_marker() {
  std::random_device rd;
  return "MARKER-" + std::to_string(rd()) + "-" + std::to_string(rd()) + "-ZQX";
}

// True if any file of the SQLite database (main, -wal, -shm, -journal) contains `needle`.
bool files_contain(const std::filesystem::path& db, const std::string& needle) {
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::ifstream in(db.string() + suffix, std::ios::binary);
    if (!in) continue;
    std::ostringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) return true;
  }
  return false;
}

void write_request(AuditLog& l, const std::string& marker) {
  Decision d = sample_decision(1);
  l.append_decision(d, "please summarise the record of " + marker);
  l.append_outcome(sample_outcome(1), "summary for " + marker);
}

TEST(AuditText, NoTextInTheDatabaseFilesByDefault) {
  TempDir dir;
  auto db = dir.path() / "audit.db";
  std::string marker = unique_marker();
  {
    AuditLog l(open_store("sqlite:" + db.string()), SigningKey::generate(), "main", 1000,
               /*store_text=*/false);
    write_request(l, marker);
    // Checked while the log is open (WAL not yet checkpointed) and after close.
    EXPECT_FALSE(files_contain(db, marker));
  }
  EXPECT_FALSE(files_contain(db, marker));
  EXPECT_FALSE(files_contain(db, "please summarise"));
}

TEST(AuditText, StoreTextKeepsTextOutsideTheChainAndPurgeScrubsIt) {
  TempDir dir;
  auto db = dir.path() / "audit.db";
  std::string marker = unique_marker();
  SigningKey key = SigningKey::generate();
  {
    AuditLog l(open_store("sqlite:" + db.string()), key, "main", 1000, /*store_text=*/true);
    write_request(l, marker);
  }
  // Positive control: the grep does find text that was stored.
  EXPECT_TRUE(files_contain(db, marker));
  auto store = open_store("sqlite:" + db.string());
  auto prompt = store->text("main", 1, "prompt");
  ASSERT_TRUE(prompt.has_value());
  EXPECT_NE(prompt->find(marker), std::string::npos);
  // The chain itself never holds the text.
  store->scan("main", 1, [&](const Row& r) {
    EXPECT_EQ(r.body.find(marker), std::string::npos);
    return true;
  });

  EXPECT_EQ(store->purge_text(now_ms() + 1000), 2);
  EXPECT_FALSE(store->text("main", 1, "prompt").has_value());
  VerifyReport rep = verify(*store, {key.public_key()});
  EXPECT_TRUE(rep.ok) << rep.summary();
  store.reset();
  EXPECT_FALSE(files_contain(db, marker));
}

TEST(AuditText, PostgresStoreKeepsNoTextByDefault) {
  TempDir dir;
  std::string url = perimeter::testing::store_url("postgres", dir);
  std::string marker = unique_marker();
  {
    AuditLog l(open_store(url), SigningKey::generate(), "main", 1000, false);
    write_request(l, marker);
  }
  auto store = open_store(url);
  EXPECT_FALSE(store->text("main", 1, "prompt").has_value());
  // No row of any table mentions the marker.
  EXPECT_NO_THROW(store->exec_for_test(
      "DO $$ BEGIN IF EXISTS (SELECT 1 FROM audit_records WHERE body LIKE '%" + marker +
      "%') OR EXISTS (SELECT 1 FROM audit_text) THEN RAISE EXCEPTION 'text leaked'; END IF; "
      "END $$"));
}

}  // namespace
}  // namespace perimeter::audit
