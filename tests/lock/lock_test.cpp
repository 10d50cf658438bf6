// perimeter.lock: what lock records, every kind of drift verify names, and
// lock's refusal to pin a file that already differs from the config.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/sha256.h"
#include "engine/engine.h"
#include "lock/lock.h"
#include "router/router.h"
#include "support/demo.h"
#include "topology.h"

namespace perimeter::lock {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::append_byte;
using testing::file_bytes;
using testing::LockTopology;

// The drift named `what`, or a failure listing what was found instead.
const Drift* find(const std::vector<Drift>& drifts, const std::string& what) {
  for (const auto& d : drifts)
    if (d.what == what) return &d;
  return nullptr;
}

std::string all(const std::vector<Drift>& drifts) {
  std::string s;
  for (const auto& d : drifts) s += to_string(d) + "\n";
  return s.empty() ? "(none)" : s;
}

TEST(Lock, RecordsEveryPinnedInputAndVerifiesClean) {
  LockTopology t;
  write_lock(lock_config(t.config()), t.lock());
  const json j = json::parse(file_bytes(t.lock()));
  EXPECT_EQ(j["version"], kFormatVersion);
  EXPECT_EQ(j["config"]["sha256"], sha256_file(t.config()));
  EXPECT_EQ(j["llama_cpp"], engine::llama_version());
  EXPECT_FALSE(j["llama_cpp"].get<std::string>().empty());
  const json& demo = j["models"]["demo"];
  EXPECT_EQ(demo["engine"], "embedded");
  EXPECT_EQ(demo["egress"], "local");
  EXPECT_EQ(demo["path"], "model.gguf");  // as written, not resolved
  EXPECT_EQ(demo["sha256"], perimeter::testing::tiny_model_sha256());
  EXPECT_EQ(demo["sampling"]["seed"], 42);
  EXPECT_EQ(demo["sampling"]["temperature"], 0.0);
  EXPECT_EQ(demo["adapters"], json::object());
  const json& cloud = j["models"]["cloud"];
  EXPECT_EQ(cloud["egress"], "cloud");
  EXPECT_EQ(cloud["upstream_model"], "gpt-4o-2024-08-06");
  EXPECT_EQ(cloud["urls"], json::array({"http://127.0.0.1:9/v1"}));
  EXPECT_FALSE(cloud.contains("sampling"));  // http models send only what is set
  EXPECT_EQ(j["router"]["model"], "builtin");
  EXPECT_EQ(j["router"]["path"], std::string(router::kBuiltinModelPath));
  EXPECT_EQ(j["router"]["sha256"], std::string(router::kBuiltinModelSha256));
  EXPECT_TRUE(std::regex_match(j["fingerprint"].get<std::string>(), std::regex("fp_[0-9a-f]{12}")));

  EXPECT_TRUE(verify(t.config(), t.lock()).empty()) << all(verify(t.config(), t.lock()));
  // Stable: locking the same state again writes the same bytes.
  const std::string first = file_bytes(t.lock());
  write_lock(lock_config(t.config()), t.lock());
  EXPECT_EQ(file_bytes(t.lock()), first);
  EXPECT_EQ(first.back(), '\n');
}

// The topology's config with adapter "legal" (the seed-1 demo adapter, copied
// beside the config) on the demo model.
std::string with_adapter(const LockTopology& t, const std::string& pin, double scale = 0.75) {
  fs::copy_file(perimeter::testing::tiny_adapter(1), t.dir / "legal.lora.gguf",
                fs::copy_options::overwrite_existing);
  std::string yaml = t.yaml();
  const std::string at = "    slots: 1\n";
  yaml.insert(yaml.find(at), "    adapters:\n      legal: {path: legal.lora.gguf, sha256: " + pin +
                                 ", scale: " + std::to_string(scale) + "}\n");
  return yaml;
}

TEST(Lock, RecordsAdaptersAndNamesTheirDrift) {
  LockTopology t;
  const std::string sha = perimeter::testing::tiny_adapter_sha256(1);
  t.write(with_adapter(t, sha));
  write_lock(lock_config(t.config()), t.lock());
  const json j = json::parse(file_bytes(t.lock()));
  const json& legal = j["models"]["demo"]["adapters"]["legal"];
  EXPECT_EQ(legal["path"], "legal.lora.gguf");
  EXPECT_EQ(legal["sha256"], sha);
  EXPECT_EQ(legal["scale"], 0.75);
  EXPECT_TRUE(verify(t.config(), t.lock()).empty()) << all(verify(t.config(), t.lock()));

  append_byte(t.dir / "legal.lora.gguf");
  const auto drifts = verify(t.config(), t.lock());
  ASSERT_EQ(drifts.size(), 1u) << all(drifts);
  EXPECT_EQ(drifts[0].what, "models.demo.adapters.legal.sha256");
  EXPECT_EQ(drifts[0].locked, sha);
  EXPECT_EQ(drifts[0].current, sha256_file(t.dir / "legal.lora.gguf"));
}

TEST(Lock, RefusesAnAdapterThatDiffersFromItsPin) {
  LockTopology t;
  t.write(with_adapter(t, std::string(64, 'c')));
  try {
    lock_config(t.config());
    FAIL() << "lock must refuse an adapter that differs from its pin";
  } catch (const PinMismatch& e) {
    EXPECT_NE(std::string(e.what()).find("models.demo.adapters.legal.sha256"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(t.lock()));
}

TEST(Fingerprint, AnAdapterHasItsOwnAndLeavesTheBaseModelsAlone) {
  LockTopology t;
  const std::string base_fp = model_fingerprint(config::load_config(t.config()).models.at("demo"));
  t.write(with_adapter(t, perimeter::testing::tiny_adapter_sha256(1)));
  const config::Model demo = config::load_config(t.config()).models.at("demo");
  EXPECT_EQ(model_fingerprint(demo), base_fp);  // declaring an adapter changes no base answer
  const std::string fp = model_fingerprint(demo, "legal");
  EXPECT_NE(fp, base_fp);
  config::Model m = demo;
  m.adapters[0].scale = 1;
  EXPECT_NE(model_fingerprint(m, "legal"), fp);
  m = demo;
  m.adapters[0].sha256 = std::string(64, 'd');
  EXPECT_NE(model_fingerprint(m, "legal"), fp);
  EXPECT_THROW(model_fingerprint(demo, "medical"), std::invalid_argument);
}

TEST(Lock, AnEditedConfigIsADrift) {
  LockTopology t;
  const std::string before = sha256_file(t.config());
  write_lock(lock_config(t.config()), t.lock());
  std::ofstream(t.config(), std::ios::app) << "# a harmless comment is still an edit\n";
  const auto drifts = verify(t.config(), t.lock());
  ASSERT_EQ(drifts.size(), 1u) << all(drifts);
  EXPECT_EQ(drifts[0].what, "config.sha256");
  EXPECT_EQ(drifts[0].locked, before);
  EXPECT_EQ(drifts[0].current, sha256_file(t.config()));
}

TEST(Lock, AChangedModelByteIsADrift) {
  LockTopology t;
  write_lock(lock_config(t.config()), t.lock());
  append_byte(t.dir / "model.gguf");
  const auto drifts = verify(t.config(), t.lock());
  ASSERT_EQ(drifts.size(), 1u) << all(drifts);
  EXPECT_EQ(drifts[0].what, "models.demo.sha256");
  EXPECT_EQ(drifts[0].locked, perimeter::testing::tiny_model_sha256());
  EXPECT_EQ(drifts[0].current, sha256_file(t.dir / "model.gguf"));
  EXPECT_EQ(to_string(drifts[0]), "models.demo.sha256: locked " +
                                      perimeter::testing::tiny_model_sha256() + ", current " +
                                      sha256_file(t.dir / "model.gguf"));
}

TEST(Lock, AMissingModelFileIsADriftNotAnError) {
  LockTopology t;
  write_lock(lock_config(t.config()), t.lock());
  fs::remove(t.dir / "model.gguf");
  const auto drifts = verify(t.config(), t.lock());
  const Drift* d = find(drifts, "models.demo.sha256");
  ASSERT_NE(d, nullptr) << all(drifts);
  EXPECT_NE(d->current.find("unreadable"), std::string::npos) << d->current;
}

TEST(Lock, AChangedRouterArtefactIsADrift) {
  LockTopology t;
  const fs::path src = fs::path(PERIMETER_SOURCE_DIR) / router::kBuiltinModelPath;
  fs::copy_file(src, t.dir / "router.bin");
  t.write(t.yaml() + "router:\n  model: router.bin\n  sha256: " +
          std::string(router::kBuiltinModelSha256) + "\n");
  write_lock(lock_config(t.config()), t.lock());
  EXPECT_EQ(read_lock(t.lock()).router.path, "router.bin");
  append_byte(t.dir / "router.bin");
  const auto drifts = verify(t.config(), t.lock());
  ASSERT_EQ(drifts.size(), 1u) << all(drifts);
  EXPECT_EQ(drifts[0].what, "router.sha256");
  EXPECT_EQ(drifts[0].locked, std::string(router::kBuiltinModelSha256));
  EXPECT_EQ(drifts[0].current, sha256_file(t.dir / "router.bin"));
}

TEST(Lock, ARenamedUpstreamSnapshotIsNamed) {
  LockTopology t;
  write_lock(lock_config(t.config()), t.lock());
  std::string y = t.yaml();
  y.replace(y.find("gpt-4o-2024-08-06"), 17, "gpt-4o-2024-11-20");
  t.write(y);
  const auto drifts = verify(t.config(), t.lock());
  ASSERT_EQ(drifts.size(), 2u) << all(drifts);
  EXPECT_NE(find(drifts, "config.sha256"), nullptr) << all(drifts);
  const Drift* d = find(drifts, "models.cloud.upstream_model");
  ASSERT_NE(d, nullptr) << all(drifts);
  EXPECT_EQ(d->locked, "gpt-4o-2024-08-06");
  EXPECT_EQ(d->current, "gpt-4o-2024-11-20");
}

TEST(Lock, EveryDriftIsNamedNotOnlyTheFirst) {
  LockTopology t;
  write_lock(lock_config(t.config()), t.lock());
  append_byte(t.dir / "model.gguf");
  std::string y = t.yaml();
  y.replace(y.find("gpt-4o-2024-08-06"), 17, "gpt-4o-2024-11-20");
  y.replace(y.find("seed: 42"), 8, "seed: 7");
  y += "  extra:\n    engine: http\n    url: http://127.0.0.1:9/v1\n"
       "    upstream_model: m\n    egress: local\n";
  t.write(y);
  // A lock from another llama.cpp build.
  Lock old = read_lock(t.lock());
  old.llama_cpp = "b0-0000000";
  write_lock(old, t.lock());
  const auto drifts = verify(t.config(), t.lock());
  for (const char* what :
       {"config.sha256", "llama_cpp", "models.demo.sha256", "models.demo.sampling.seed",
        "models.cloud.upstream_model", "models.extra"})
    EXPECT_NE(find(drifts, what), nullptr) << what << " not named in:\n" << all(drifts);
  EXPECT_EQ(drifts.size(), 6u) << all(drifts);
  EXPECT_EQ(find(drifts, "models.extra")->locked, "(absent)");
  EXPECT_EQ(find(drifts, "llama_cpp")->current, engine::llama_version());
}

TEST(Lock, RefusesToLockAFileThatDiffersFromItsPin) {
  LockTopology t;
  append_byte(t.dir / "model.gguf");
  try {
    lock_config(t.config());
    FAIL() << "locked a model that does not match its pin";
  } catch (const PinMismatch& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("models.demo.sha256"), std::string::npos) << msg;
    EXPECT_NE(msg.find(perimeter::testing::tiny_model_sha256()), std::string::npos) << msg;
    EXPECT_NE(msg.find(sha256_file(t.dir / "model.gguf")), std::string::npos) << msg;
  }
}

TEST(Lock, RefusesToLockARouterArtefactThatDiffersFromItsPin) {
  LockTopology t;
  fs::copy_file(fs::path(PERIMETER_SOURCE_DIR) / router::kBuiltinModelPath, t.dir / "router.bin");
  append_byte(t.dir / "router.bin");
  t.write(t.yaml() + "router:\n  model: router.bin\n  sha256: " +
          std::string(router::kBuiltinModelSha256) + "\n");
  EXPECT_THROW(lock_config(t.config()), PinMismatch);
}

TEST(Lock, ReadRefusesAnotherFormatVersion) {
  LockTopology t;
  json j = to_json(lock_config(t.config()));
  j["version"] = kFormatVersion + 1;
  std::ofstream(t.lock()) << j.dump(2);
  EXPECT_THROW(read_lock(t.lock()), std::runtime_error);
}

TEST(Lock, DefaultLockLivesBesideTheConfig) {
  EXPECT_EQ(default_lock_path("/etc/perimeter/gw.yaml"), fs::path("/etc/perimeter/perimeter.lock"));
  EXPECT_EQ(default_lock_path("gw.yaml"), fs::path("perimeter.lock"));
}

TEST(Fingerprint, OfOneModelChangesWithItsOwnInputsOnly) {
  LockTopology t;
  const config::Config cfg = config::load_config(t.config());
  config::Model demo = cfg.models.at("demo");
  const std::string fp = model_fingerprint(demo);
  EXPECT_TRUE(std::regex_match(fp, std::regex("fp_[0-9a-f]{12}"))) << fp;
  EXPECT_NE(model_fingerprint(cfg.models.at("cloud")), fp);
  config::Model m = demo;
  m.sampling.temperature += 0.25;
  EXPECT_NE(model_fingerprint(m), fp);
  m = demo;
  m.sha256 = std::string(64, 'a');
  EXPECT_NE(model_fingerprint(m), fp);
  m = demo;
  m.slots += 3;  // capacity, not output
  m.upstream.urls = {"http://elsewhere/v1"};
  EXPECT_EQ(model_fingerprint(m), fp);
}

TEST(Fingerprint, ChangesWithWhatDecidesTheOutputOnly) {
  LockTopology t;
  const Lock base = lock_config(t.config());
  const std::string fp = fingerprint(base);
  EXPECT_TRUE(std::regex_match(fp, std::regex("fp_[0-9a-f]{12}"))) << fp;
  EXPECT_EQ(fingerprint(from_json(to_json(base))), fp);  // survives the file round trip

  Lock l = base;
  l.config_sha256 = std::string(64, '0');  // e.g. a comment or a listen port
  l.config_file = "other.yaml";
  EXPECT_EQ(fingerprint(l), fp);

  l = base;
  l.models["demo"].sha256 = std::string(64, 'a');
  EXPECT_NE(fingerprint(l), fp);
  l = base;
  l.models["demo"].sampling->temperature = 0.5;
  EXPECT_NE(fingerprint(l), fp);
  l = base;
  l.llama_cpp = "b0-0000000";
  EXPECT_NE(fingerprint(l), fp);
  l = base;
  l.models["cloud"].upstream_model = "gpt-4o-2024-11-20";
  EXPECT_NE(fingerprint(l), fp);
}

}  // namespace
}  // namespace perimeter::lock
