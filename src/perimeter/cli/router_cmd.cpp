// `perimeter router train|eval|classify`: builds, measures and tries the
// intent router's linear model.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/sha256.h"
#include "router/dataset.h"
#include "router/linear_model.h"
#include "router/router.h"
#include "router/train.h"

namespace perimeter::cli {
namespace {

namespace fs = std::filesystem;
using namespace perimeter::router;

struct TrainArgs {
  std::string data, output;
  uint64_t seed = 1;
  TrainOptions defaults;
  uint32_t epochs = defaults.epochs;
  double learning_rate = defaults.learning_rate, l2 = defaults.l2;
  uint32_t bucket_bits = defaults.features.bucket_bits, char_max = defaults.features.char_max;
  uint32_t edge_bytes = defaults.features.edge_bytes;
  uint32_t ngram_window = defaults.features.ngram_window;
  uint32_t char_word_min = defaults.features.char_word_min;
  std::string norm = "sqrt";
  bool quiet = false;
};

struct EvalArgs {
  std::string data, model, sha256, split = "test";
  double min_confidence = 0.7;
  size_t errors = 0;
};

struct ClassifyArgs {
  std::string text, system, model = std::string(kBuiltinModelPath), sha256;
  double min_confidence = 0.7;
};

// Writes via a temporary file and rename, so a reader never sees half a model.
void write_atomically(const fs::path& path, const std::string& bytes) {
  fs::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("write failed: " + tmp.string());
  }
  fs::rename(tmp, path);
}

void run_train(const TrainArgs& a) {
  std::vector<Example> data = load_examples(a.data);
  TrainOptions o;
  o.seed = a.seed;
  o.epochs = a.epochs;
  o.learning_rate = a.learning_rate;
  o.l2 = a.l2;
  o.features.bucket_bits = a.bucket_bits;
  o.features.char_max = a.char_max;
  o.features.edge_bytes = a.edge_bytes;
  o.features.ngram_window = a.ngram_window;
  o.features.char_word_min = a.char_word_min;
  if (a.norm != "sqrt" && a.norm != "mean") throw std::runtime_error("--norm must be sqrt or mean");
  o.norm = a.norm == "mean" ? Norm::Mean : Norm::Sqrt;
  o.data_sha256 = sha256_file(a.data);
  if (!a.quiet)
    o.progress = [](const TrainProgress& p) {
      std::fprintf(stderr, "epoch %2u/%u  loss %.4f  train acc %.4f  dev acc %.4f\n", p.epoch,
                   p.epochs, p.train_loss, p.train_accuracy, p.dev_accuracy);
    };
  std::fprintf(stderr, "training on %s (%zu examples, seed %llu)\n", a.data.c_str(), data.size(),
               static_cast<unsigned long long>(a.seed));
  TrainResult r = train_linear(data, o);
  std::string bytes = serialize(r.model);
  write_atomically(a.output, bytes);
  std::printf("train %zu  dev %zu  temperature %.4f\n", r.train_examples, r.dev_examples,
              r.model.temperature);
  std::printf("dev (calibrated): accuracy %.4f  macro-F1 %.4f\n", r.dev.accuracy, r.dev.macro_f1);
  std::printf("dev reliability:\n%s", format_reliability(r.dev).c_str());
  std::printf("wrote %s  %zu bytes  sha256 %s\n", a.output.c_str(), bytes.size(),
              sha256_hex(bytes).c_str());
}

Split parse_split(const std::string& s) {
  if (s == "train") return Split::Train;
  if (s == "dev") return Split::Dev;
  if (s == "test") return Split::Test;
  throw std::runtime_error("--split must be train, dev, test or all, got '" + s + "'");
}

std::string one_line(const std::string& s, size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) out += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return s.size() > max ? out + "..." : out;
}

void run_eval(const EvalArgs& a) {
  std::string pin = a.sha256;
  if (pin.empty()) {
    pin = sha256_file(a.model);
    std::printf("model %s sha256 %s (unpinned: pass --sha256 to verify)\n", a.model.c_str(),
                pin.c_str());
  }
  auto clf = load_linear_classifier(a.model, pin, a.min_confidence);
  std::vector<Example> all = load_examples(a.data);
  std::vector<Example> ex = a.split == "all" ? all : select_split(all, parse_split(a.split));
  std::printf("split %s of %s\n", a.split.c_str(), a.data.c_str());
  EvalReport r = evaluate(*clf, ex);
  std::printf("%s", format_report(r).c_str());
  size_t shown = 0;
  for (const Example& e : ex) {
    if (shown >= a.errors) break;
    Classification c = classify_example(*clf, e);
    if (c.intent == e.label) continue;
    ++shown;
    std::printf("  MISS true=%s got=%s (%.2f): %s\n", intent_name(e.label), intent_name(c.intent),
                c.confidence, one_line(e.text, 160).c_str());
  }
}

void run_classify(const ClassifyArgs& a) {
  std::string pin = a.sha256;
  if (pin.empty() && a.model == kBuiltinModelPath) pin = std::string(kBuiltinModelSha256);
  if (pin.empty()) throw std::runtime_error("--sha256 is required for a model other than builtin");
  auto clf = load_linear_classifier(a.model, pin, a.min_confidence);
  Turn turns[2] = {{"system", a.system}, {"user", a.text}};
  std::span<const Turn> conv =
      a.system.empty() ? std::span<const Turn>(turns + 1, 1) : std::span<const Turn>(turns, 2);
  Classification c = clf->classify(conv);
  nlohmann::json j = {{"label", intent_name(c.intent)},
                      {"confidence", c.confidence},
                      {"uncertain", c.uncertain},
                      {"scores",
                       {{"public_fact", c.scores[0]},
                        {"sensitive_extraction", c.scores[1]},
                        {"complex_reasoning", c.scores[2]}}}};
  std::printf("%s\n", j.dump().c_str());
}

}  // namespace

void add_router_commands(CLI::App& app) {
  CLI::App* router = app.add_subcommand("router", "Train, evaluate and try the intent router");
  router->require_subcommand(1);

  auto train_args = std::make_shared<TrainArgs>();
  CLI::App* train = router->add_subcommand(
      "train", "Train the linear router on DATA (JSONL); same data and seed give the same bytes");
  train->add_option("data", train_args->data, "Labelled prompts (JSONL)")->required();
  train->add_option("-o,--output", train_args->output, "Model file to write")->required();
  train->add_option("--seed", train_args->seed, "Shuffling seed (default 1)");
  train->add_option("--epochs", train_args->epochs, "Passes over the training split");
  // Hyper-parameters for experiments; the shipped model uses the defaults.
  train->add_option("--lr", train_args->learning_rate, "AdaGrad learning rate");
  train->add_option("--l2", train_args->l2, "L2 penalty");
  train->add_option("--bucket-bits", train_args->bucket_bits, "log2 of the hashed buckets");
  train->add_option("--char-max", train_args->char_max, "Longest char n-gram (0: none)");
  train->add_option("--edge-bytes", train_args->edge_bytes, "Instruction window at each end");
  train->add_option("--ngram-window", train_args->ngram_window,
                    "Bigrams and char n-grams only in this many bytes at each end (0: all)");
  train->add_option("--char-word-min", train_args->char_word_min,
                    "Shortest word that gets char n-grams");
  train->add_option("--norm", train_args->norm, "sqrt | mean feature scaling");
  train->add_flag("-q,--quiet", train_args->quiet, "No per-epoch progress");
  train->callback([train_args] { run_train(*train_args); });

  auto eval_args = std::make_shared<EvalArgs>();
  CLI::App* eval =
      router->add_subcommand("eval", "Accuracy, macro-F1, per-class P/R, confusion, reliability");
  eval->add_option("data", eval_args->data, "Labelled prompts (JSONL)")->required();
  eval->add_option("-m,--model", eval_args->model, "Model file")->required();
  eval->add_option("--sha256", eval_args->sha256,
                   "Pinned sha256 of the model (refused if it differs)");
  eval->add_option("--split", eval_args->split, "train | dev | test | all (default test)");
  eval->add_option("--min-confidence", eval_args->min_confidence, "Uncertainty threshold");
  eval->add_option("--errors", eval_args->errors, "Print up to N misclassified examples");
  eval->callback([eval_args] { run_eval(*eval_args); });

  auto cls_args = std::make_shared<ClassifyArgs>();
  CLI::App* cls = router->add_subcommand("classify", "Classify one prompt and print JSON");
  cls->add_option("--text", cls_args->text, "The user message")->required();
  cls->add_option("--system", cls_args->system, "An optional system prompt");
  cls->add_option("-m,--model", cls_args->model, "Model file (default: the builtin artefact)");
  cls->add_option("--sha256", cls_args->sha256, "Pinned sha256 (required unless builtin)");
  cls->add_option("--min-confidence", cls_args->min_confidence, "Uncertainty threshold");
  cls->callback([cls_args] { run_classify(*cls_args); });
}

}  // namespace perimeter::cli
