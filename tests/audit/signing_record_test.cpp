// Ed25519 keys and the record encoding.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "audit/audit_test_util.h"
#include "audit/chain.h"
#include "audit/record.h"
#include "audit/signing.h"
#include "core/sha256.h"

namespace perimeter::audit {
namespace {

TEST(Signing, SignsAndVerifies) {
  SigningKey k = SigningKey::generate();
  std::string sig = k.sign("hello");
  EXPECT_EQ(sig.size(), 128u);
  EXPECT_TRUE(k.public_key().verify("hello", sig));
  EXPECT_FALSE(k.public_key().verify("hellp", sig));
  EXPECT_FALSE(SigningKey::generate().public_key().verify("hello", sig));
  EXPECT_FALSE(k.public_key().verify("hello", "zz"));
}

TEST(Signing, KeyFilesRoundTripAndAreNeverOverwritten) {
  perimeter::testing::TempDir dir;
  auto priv = dir.path() / "keys" / "audit.pem";
  auto pub = default_public_key_path(priv);
  EXPECT_EQ(pub.filename(), "audit.pub.pem");
  SigningKey k = SigningKey::generate();
  k.write_files(priv, pub);
  struct stat st {};
  ASSERT_EQ(::stat(priv.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  SigningKey loaded = SigningKey::load(priv);
  PublicKey loaded_pub = PublicKey::load(pub);
  EXPECT_EQ(loaded_pub.key_id(), k.public_key().key_id());
  EXPECT_TRUE(loaded_pub.verify("m", loaded.sign("m")));
  EXPECT_THROW(SigningKey::generate().write_files(priv, pub), std::runtime_error);
  EXPECT_THROW(SigningKey::load(pub), std::runtime_error);
}

TEST(Record, CanonicalBytesHaveSortedKeysAndNoText) {
  Decision d = perimeter::testing::sample_decision(1);
  std::string payload = canonical(to_json(d));
  EXPECT_EQ(payload.find(' '), std::string::npos);
  EXPECT_LT(payload.find("\"backend\""), payload.find("\"route\""));
  EXPECT_NE(payload.find("\"findings\":{\"email\":2,\"phone\":1}"), std::string::npos);
  std::string bytes = record_bytes(payload, "main", kGenesisHash, 1, 0, "decision");
  // Equal to the canonical form of the parsed object: the verifier relies on it.
  EXPECT_EQ(canonical(nlohmann::json::parse(bytes)), bytes);
  EXPECT_NE(bytes.find("\"time\":\"1970-01-01T00:00:00.000Z\""), std::string::npos);
}

TEST(Record, OutcomeRoundTrips) {
  Outcome o = perimeter::testing::sample_outcome(3);
  o.cost = 0.0125;
  Outcome back = outcome_from_json(nlohmann::json::parse(canonical(to_json(o))));
  EXPECT_EQ(back.prompt_tokens, 103);
  EXPECT_EQ(back.cost, 0.0125);
  EXPECT_EQ(back.model.sha256, o.model.sha256);
  EXPECT_EQ(back.principal, "alice");
}

TEST(Record, Times) {
  EXPECT_EQ(format_time_ms(1767323045678), "2026-01-02T03:04:05.678Z");
  EXPECT_EQ(parse_time_ms("2026-01-02T03:04:05.678Z", 0), 1767323045678);
  EXPECT_EQ(parse_time_ms("2026-01-02", 0), 1767312000000);
  EXPECT_EQ(parse_time_ms("2h", 10000000), 10000000 - 7200000);
  EXPECT_EQ(parse_time_ms("7d", 1000000000), 1000000000 - 7 * 86400000LL);
  EXPECT_THROW(parse_time_ms("yesterday", 0), std::runtime_error);
  EXPECT_THROW(parse_time_ms("2026-13-01", 0), std::runtime_error);
}

}  // namespace
}  // namespace perimeter::audit
