// The `audit:` config section: defaults, every rule, unknown keys.
#include <gtest/gtest.h>

#include "audit/audit_log.h"

namespace perimeter::audit {
namespace {

std::string error_of(const std::string& yaml) {
  try {
    parse_audit_options(YAML::Load(yaml), "audit");
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(AuditOptions, ParsesAllKeys) {
  AuditOptions o = parse_audit_options(
      YAML::Load(
          "{store: 'postgresql://u@h/db', store_text: true, checkpoint_every: 50, "
          "signing_key: keys/audit.pem, replica: gw-2, sync: normal, durable_before: egress}"),
      "audit");
  EXPECT_EQ(o.store, "postgresql://u@h/db");
  EXPECT_TRUE(o.store_text);
  EXPECT_EQ(o.checkpoint_every, 50);
  EXPECT_EQ(o.signing_key, "keys/audit.pem");
  EXPECT_EQ(o.public_key, "keys/audit.pub.pem");
  EXPECT_EQ(o.replica, "gw-2");
  EXPECT_EQ(o.sync, SyncMode::Normal);
  EXPECT_EQ(o.durable_before, DurableBefore::Egress);
}

TEST(AuditOptions, Defaults) {
  AuditOptions o = parse_audit_options(YAML::Load("{signing_key: k.pem}"), "audit");
  EXPECT_EQ(o.store, "sqlite:var/audit.db");
  EXPECT_FALSE(o.store_text);
  EXPECT_EQ(o.checkpoint_every, 1000);
  EXPECT_EQ(o.replica, "main");
  EXPECT_EQ(o.sync, SyncMode::Full);
  EXPECT_EQ(o.durable_before, DurableBefore::Dispatch);
}

TEST(AuditOptions, ErrorsNameTheKeyAndTheRule) {
  EXPECT_EQ(error_of("{signing_key: k.pem, checkpoint_every: 0}"),
            "audit.checkpoint_every: must be >= 1");
  EXPECT_EQ(error_of("{signing_key: k.pem, checkpoint_every: many}"),
            "audit.checkpoint_every: must be an integer");
  EXPECT_EQ(error_of("{signing_key: k.pem, store_text: maybe}"),
            "audit.store_text: must be true or false");
  EXPECT_EQ(error_of("{signing_key: k.pem, store: 'mysql://x'}"),
            "audit.store: must be \"sqlite:PATH\" or a \"postgresql://...\" URI");
  EXPECT_EQ(error_of("{signing_key: k.pem, replica: 'a b'}"),
            "audit.replica: must be 1-64 characters of [A-Za-z0-9._-]");
  EXPECT_EQ(error_of("{signing_key: k.pem, sync: sometimes}"),
            "audit.sync: must be \"full\" or \"normal\"");
  EXPECT_EQ(error_of("{signing_key: k.pem, durable_before: later}"),
            "audit.durable_before: must be \"dispatch\" or \"egress\"");
  EXPECT_EQ(error_of("{signing_key: k.pem, colour: blue}").rfind("audit.colour: unknown key", 0),
            0u);
  EXPECT_EQ(error_of("{store_text: false}").rfind("audit.signing_key: is required", 0), 0u);
  EXPECT_EQ(error_of("[1, 2]"), "audit: must be a mapping");
}

}  // namespace
}  // namespace perimeter::audit
