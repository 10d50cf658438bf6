// A temporary directory holding an audit signing key and SQLite audit log,
// with the demo model's config pointing at it, for server-level tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "audit/signing.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "config/config.h"
#include "support/demo.h"

namespace perimeter::testing {

// A fresh directory with an audit signing key, removed afterwards.
class AuditDir {
 public:
  AuditDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "perimeter-audit-XXXXXX").string();
    dir_ = mkdtemp(tmpl.data());
    audit::SigningKey::generate().write_files(dir_ / "audit.pem", dir_ / "audit.pub.pem");
  }
  ~AuditDir() { std::filesystem::remove_all(dir_); }
  const std::filesystem::path& path() const { return dir_; }
  std::filesystem::path db() const { return dir_ / "audit.db"; }

  // The demo config with an audit log here; `extra_yaml` adds top-level
  // sections, `extra_models` entries under `models:` (indented by 2).
  config::Config config(bool store_text = false, const std::string& extra_yaml = "",
                        const std::string& extra_models = "") const {
    const auto base = demo_config(2, 16);
    std::string yaml = "listen: 127.0.0.1:0\nmodels:\n  demo:\n    engine: embedded\n    path: " +
                       base.models.at("demo").path.string() +
                       "\n    sha256: " + base.models.at("demo").sha256 +
                       "\n    slots: 2\n    queue: 16\n    threads: 1\n    context: 512\n"
                       "    price: {input_per_mtok: 1.5, output_per_mtok: 4}\n" +
                       extra_models +
                       "audit:\n  store: sqlite:audit.db\n  signing_key: audit.pem\n"
                       "  store_text: " +
                       std::string(store_text ? "true" : "false") + "\n" + extra_yaml;
    return config::parse_config(yaml, dir_);
  }

  std::unique_ptr<audit::Store> open_store() const {
    return audit::open_store("sqlite:" + db().string());
  }

  // Every row of the main chain, in order.
  std::vector<audit::Row> rows() const {
    auto store = open_store();
    std::vector<audit::Row> out;
    store->scan("main", 1, [&](const audit::Row& r) {
      out.push_back(r);
      return true;
    });
    return out;
  }

  audit::VerifyReport verify() const {
    auto store = open_store();
    return audit::verify(*store, {audit::PublicKey::load(dir_ / "audit.pub.pem")});
  }

 private:
  std::filesystem::path dir_;
};

}  // namespace perimeter::testing
