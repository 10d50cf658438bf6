// `perimeter audit keygen|verify|tail|export|purge-text` and `perimeter report`:
// the operator's view of the audit log and the ledger. Each takes the store
// and keys either from a config file (-c, its audit:/ledger: sections) or
// from explicit options, which win.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <yaml-cpp/yaml.h>
#include <nlohmann/json.hpp>

#include "audit/audit_log.h"
#include "audit/signing.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "cli/commands.h"
#include "ledger/ledger.h"
#include "ledger/report.h"

namespace perimeter::cli {
namespace {

using nlohmann::json;

struct Common {
  std::string config;
  std::string store;
  std::vector<std::string> public_keys;
  std::string chain;
};

void add_common(CLI::App* cmd, Common& c, bool keys) {
  cmd->add_option("-c,--config", c.config, "Perimeter config (reads its audit: section)");
  cmd->add_option("--store", c.store, "Audit store: sqlite:PATH or postgresql://...");
  if (keys)
    cmd->add_option("--public-key", c.public_keys,
                    "Ed25519 public key PEM (repeatable, e.g. across key rotation)");
  cmd->add_option("--chain", c.chain, "Only this chain (replica); default: all");
}

YAML::Node load_config(const std::string& path) {
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(path + ": " + e.what());
  }
}

// Fills store and keys from the config where the options left them empty.
void resolve(Common& c, bool need_keys) {
  if (!c.config.empty()) {
    YAML::Node root = load_config(c.config);
    if (root["audit"]) {
      audit::AuditOptions o = audit::parse_audit_options(root["audit"], "audit");
      // Paths in a config are relative to its folder, as `perimeter serve` reads them.
      audit::resolve_paths(o, std::filesystem::path(c.config).parent_path());
      if (c.store.empty()) c.store = o.store;
      if (c.public_keys.empty()) c.public_keys.push_back(o.public_key);
    }
  }
  if (c.store.empty()) throw std::runtime_error("no audit store: pass --store or -c CONFIG");
  if (need_keys && c.public_keys.empty())
    throw std::runtime_error("no public key: pass --public-key or -c CONFIG");
}

std::unique_ptr<audit::Store> open(const Common& c) {
  return audit::open_store(c.store);
}

std::vector<std::string> chains_of(audit::Store& s, const Common& c) {
  if (!c.chain.empty()) return {c.chain};
  return s.chains();
}

// One record as an export line: the hashed record object, its hash and signature.
json export_line(const audit::Row& r) {
  json j;
  j["hash"] = r.hash;
  j["record"] = json::parse(r.body, nullptr, false);
  if (!r.sig.empty()) j["sig"] = r.sig;
  return j;
}

std::string describe(const audit::Row& r) {
  json rec = json::parse(r.body, nullptr, false);
  const json& b = rec.is_object() && rec.contains("body") ? rec["body"] : json::object();
  auto s = [&](const char* k) {
    return b.contains(k) && b[k].is_string() ? b[k].get<std::string>() : std::string();
  };
  std::string out =
      r.chain + " #" + std::to_string(r.seq) + " " + audit::format_time_ms(r.time_ms) + " ";
  if (r.type == "decision") {
    std::string findings;
    if (b.contains("findings"))
      for (const auto& [type, n] : b["findings"].items())
        findings += (findings.empty() ? "" : ",") + type + ":" + n.dump();
    char conf[32];
    std::snprintf(conf, sizeof conf, "%.2f", b.value("intent_confidence", 0.0));
    out += "decision " + r.request_id + " " + s("principal") + "/" + s("role") +
           " intent=" + s("intent") + "(" + conf + ") sensitivity=" + s("declared_sensitivity") +
           "->" + s("effective_sensitivity") + " route=" + s("route") + " backend=" + s("backend") +
           "(" + s("egress") + ") transform=" + s("transform") +
           " findings=" + (findings.empty() ? "-" : findings);
  } else if (r.type == "outcome") {
    char cost[64];
    std::snprintf(cost, sizeof cost, "%.6f", b.value("cost", 0.0));
    out += "outcome  " + r.request_id + " " + s("principal") +
           " status=" + std::to_string(b.value("status", 0)) +
           " tokens=" + std::to_string(b.value("prompt_tokens", 0)) + "+" +
           std::to_string(b.value("completion_tokens", 0)) + " cost=" + cost +
           " latency=" + json(b.value("latency_ms", 0.0)).dump() + "ms backend=" + s("backend") +
           "(" + s("egress") + ")";
  } else if (r.type == "fallback") {
    std::string cats;
    if (b.contains("categories"))
      for (const auto& c : b["categories"])
        cats += (cats.empty() ? "" : ",") + c.get<std::string>();
    out += "FALLBACK " + r.request_id + " " + s("from_backend") + "->" + s("to_backend") + "(" +
           s("egress") + ") reason=" + s("reason") + " categories=" + (cats.empty() ? "-" : cats) +
           " transform=" + s("transform");
  } else if (r.type == "checkpoint") {
    out += "checkpoint reason=" + s("reason") + " key=" + s("key_id").substr(0, 16) + " signed";
  } else {
    out += r.type;
  }
  return out;
}

void add_keygen(CLI::App& audit_cmd) {
  auto* cmd = audit_cmd.add_subcommand("keygen", "Create the Ed25519 key pair that signs the log");
  auto out = std::make_shared<std::string>();
  auto pub = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "Private key PEM to create (mode 0600; never overwritten)")
      ->required();
  cmd->add_option("--public", *pub, "Public key PEM (default: NAME.pub.pem next to --out)");
  cmd->callback([out, pub] {
    std::string pub_path = pub->empty() ? audit::default_public_key_path(*out).string() : *pub;
    audit::SigningKey key = audit::SigningKey::generate();
    key.write_files(*out, pub_path);
    std::printf("private key: %s\npublic key:  %s\nkey id:      %s\n", out->c_str(),
                pub_path.c_str(), key.public_key().key_id().c_str());
  });
}

void add_verify(CLI::App& audit_cmd) {
  auto* cmd = audit_cmd.add_subcommand(
      "verify", "Check chain links, sequence and signatures; exit 1 on any problem");
  auto c = std::make_shared<Common>();
  add_common(cmd, *c, true);
  cmd->callback([c] {
    resolve(*c, true);
    std::vector<audit::PublicKey> keys;
    for (const auto& p : c->public_keys) keys.push_back(audit::PublicKey::load(p));
    auto store = open(*c);
    audit::VerifyReport rep = audit::verify(*store, keys, c->chain);
    std::fputs(rep.summary().c_str(), stdout);
    if (!rep.ok) throw CLI::RuntimeError(1);
  });
}

void add_tail(CLI::App& audit_cmd) {
  auto* cmd = audit_cmd.add_subcommand("tail", "Print the latest records");
  auto c = std::make_shared<Common>();
  auto n = std::make_shared<int64_t>(20);
  auto follow = std::make_shared<bool>(false);
  auto jsonl = std::make_shared<bool>(false);
  add_common(cmd, *c, false);
  cmd->add_option("-n,--lines", *n, "Records per chain (default 20)");
  cmd->add_flag("-f,--follow", *follow, "Keep printing new records");
  cmd->add_flag("--jsonl", *jsonl, "Print export lines (JSON) instead of summaries");
  cmd->callback([c, n, follow, jsonl] {
    resolve(*c, false);
    auto store = open(*c);
    std::map<std::string, int64_t> next;  // chain -> next seq to print
    auto print = [&](const audit::Row& r) {
      std::string line = *jsonl ? export_line(r).dump() : describe(r);
      std::printf("%s\n", line.c_str());
      next[r.chain] = r.seq + 1;
      return true;
    };
    for (const std::string& ch : chains_of(*store, *c)) {
      auto last = store->last(ch);
      int64_t from = last ? std::max<int64_t>(1, last->seq - *n + 1) : 1;
      next[ch] = from;
      store->scan(ch, from, print);
    }
    std::fflush(stdout);
    while (*follow) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      for (const std::string& ch : chains_of(*store, *c)) {
        if (!next.count(ch)) next[ch] = 1;
        store->scan(ch, next[ch], print);
      }
      std::fflush(stdout);
    }
  });
}

void add_export(CLI::App& audit_cmd) {
  auto* cmd = audit_cmd.add_subcommand(
      "export",
      "Write every record as JSON lines: {hash, record, sig}; sha256 of the record's "
      "canonical JSON is its hash");
  auto c = std::make_shared<Common>();
  auto jsonl = std::make_shared<bool>(false);
  auto since = std::make_shared<std::string>();
  auto out = std::make_shared<std::string>();
  auto text = std::make_shared<bool>(false);
  add_common(cmd, *c, false);
  cmd->add_flag("--jsonl", *jsonl, "JSON lines (the only format)")->required();
  cmd->add_option("--since", *since, "Only records at or after TIME (2026-01-02, 24h, 7d)");
  cmd->add_option("-o,--out", *out, "Write to FILE instead of stdout");
  cmd->add_flag("--with-text", *text, "Include stored prompt/completion text (store_text: true)");
  cmd->callback([c, since, out, text] {
    resolve(*c, false);
    int64_t since_ms = since->empty() ? 0 : audit::parse_time_ms(*since, audit::now_ms());
    auto store = open(*c);
    std::ofstream file;
    if (!out->empty()) {
      file.open(*out, std::ios::binary | std::ios::trunc);
      if (!file) throw std::runtime_error("cannot write " + *out);
    }
    // Pages of rows; text is looked up between pages, never inside a scan callback.
    std::vector<audit::Row> rows;
    for (const std::string& ch : chains_of(*store, *c)) {
      int64_t next = 1;
      for (bool more = true; more;) {
        rows.clear();
        more = false;
        store->scan(ch, next, [&](const audit::Row& r) {
          next = r.seq + 1;
          if (r.time_ms >= since_ms) rows.push_back(r);
          more = rows.size() >= 1000;
          return !more;
        });
        for (const audit::Row& r : rows) {
          json j = export_line(r);
          if (*text)
            for (const char* kind : {"prompt", "completion"})
              if (auto t = store->text(r.chain, r.seq, kind)) j["text"][kind] = *t;
          std::string line = j.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
          if (file.is_open())
            file << line;
          else
            std::fputs(line.c_str(), stdout);
        }
      }
    }
    if (file.is_open() && !file.flush()) throw std::runtime_error("write failed: " + *out);
  });
}

void add_purge(CLI::App& audit_cmd) {
  auto* cmd = audit_cmd.add_subcommand(
      "purge-text",
      "Delete stored prompt/completion text older than a time (the chain stays valid)");
  auto c = std::make_shared<Common>();
  auto before = std::make_shared<std::string>();
  add_common(cmd, *c, false);
  cmd->add_option("--before", *before, "TIME: 2026-01-02, 2026-01-02T03:04:05Z, or an age (30d)")
      ->required();
  cmd->callback([c, before] {
    resolve(*c, false);
    int64_t t = audit::parse_time_ms(*before, audit::now_ms());
    auto store = open(*c);
    std::printf("purged %lld texts older than %s\n", static_cast<long long>(store->purge_text(t)),
                audit::format_time_ms(t).c_str());
  });
}

void add_report(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "report", "Requests, tokens, spend, local share and savings per principal/role/route/model");
  auto c = std::make_shared<Common>();
  auto since = std::make_shared<std::string>("30d");
  auto by = std::make_shared<std::vector<std::string>>();
  auto as_json = std::make_shared<bool>(false);
  auto ref_in = std::make_shared<double>(-1);
  auto ref_out = std::make_shared<double>(-1);
  auto currency = std::make_shared<std::string>();
  cmd->add_option("-c,--config", c->config, "Perimeter config (reads audit: and ledger:)");
  cmd->add_option("--store", c->store, "Audit store: sqlite:PATH or postgresql://...");
  cmd->add_option("--since", *since, "From TIME (2026-01-02) or an age (24h, 7d); default 30d");
  cmd->add_option("--by", *by, "Dimensions: principal, role, route, model (default all)")
      ->delimiter(',')
      ->check(CLI::IsMember({"principal", "role", "route", "model"}));
  cmd->add_flag("--json", *as_json, "Print JSON");
  cmd->add_option("--reference-input-per-mtok", *ref_in, "Reference cloud input price");
  cmd->add_option("--reference-output-per-mtok", *ref_out, "Reference cloud output price");
  cmd->add_option("--currency", *currency, "Currency label");
  cmd->callback([c, since, by, as_json, ref_in, ref_out, currency] {
    ledger::LedgerOptions lo;
    if (!c->config.empty()) {
      YAML::Node root = load_config(c->config);
      lo = ledger::parse_ledger_options(root["ledger"], "ledger");
    }
    resolve(*c, false);
    if (*ref_in >= 0) lo.reference.input_per_mtok = *ref_in;
    if (*ref_out >= 0) lo.reference.output_per_mtok = *ref_out;
    if (!currency->empty()) lo.currency = *currency;
    int64_t since_ms = audit::parse_time_ms(*since, audit::now_ms());
    auto store = open(*c);
    ledger::Report r = ledger::build_report(*store, since_ms, lo.reference, lo.currency);
    if (*as_json) {
      std::printf("%s\n", ledger::report_json(r).dump(2).c_str());
      return;
    }
    std::printf("since %s, reference price %.4f/%.4f %s per million input/output tokens\n\n",
                audit::format_time_ms(since_ms).c_str(), lo.reference.input_per_mtok,
                lo.reference.output_per_mtok, lo.currency.c_str());
    std::fputs(ledger::format_report(r, *by).c_str(), stdout);
  });
}

}  // namespace

void add_audit_commands(CLI::App& app) {
  auto* audit_cmd = app.add_subcommand("audit", "Tamper-evident audit log");
  audit_cmd->require_subcommand(1);
  add_keygen(*audit_cmd);
  add_verify(*audit_cmd);
  add_tail(*audit_cmd);
  add_export(*audit_cmd);
  add_purge(*audit_cmd);
  add_report(app);
}

}  // namespace perimeter::cli
