// Training (deterministic multinomial logistic regression with AdaGrad),
// calibration (temperature scaling on dev) and evaluation of the linear router.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "router/dataset.h"
#include "router/linear_model.h"

namespace perimeter::router {

struct TrainProgress {
  uint32_t epoch;  // 1-based
  uint32_t epochs;
  double train_loss;  // mean cross-entropy over the epoch
  double train_accuracy;
  double dev_accuracy;
};

struct TrainOptions {
  FeatureSettings features;
  Norm norm = Norm::Sqrt;
  uint64_t seed = 1;
  uint32_t epochs = 20;
  double learning_rate = 0.05;                         // AdaGrad step
  double l2 = 1e-4;                                    // applied to the weights an example touches
  std::string data_sha256;                             // provenance for the header
  std::function<void(const TrainProgress&)> progress;  // called once per epoch
};

struct ReliabilityBin {
  double lo, hi;  // confidence range [lo, hi)
  size_t count = 0;
  double mean_confidence = 0;
  double accuracy = 0;
};

struct EvalReport {
  size_t n = 0;
  double accuracy = 0;
  double macro_f1 = 0;
  double nll = 0;  // mean negative log-likelihood of the true label
  double ece = 0;  // expected calibration error over the reliability bins
  std::array<double, 3> precision{}, recall{}, f1{};
  std::array<std::array<size_t, 3>, 3> confusion{};  // [true][predicted]
  std::vector<ReliabilityBin> reliability;
  size_t uncertain = 0;  // predictions below min_confidence
};

struct TrainResult {
  LinearModel model;
  size_t train_examples = 0;
  size_t dev_examples = 0;
  EvalReport dev;  // the calibrated model on dev
};

// Trains on the Train split of `data`, calibrates on its Dev split. Same data
// and options give the same model bit for bit (single-threaded, own PRNG).
TrainResult train_linear(const std::vector<Example>& data, const TrainOptions& options);

// Classifies the conversation the example stands for (conversation_of).
Classification classify_example(const Classifier& classifier, const Example& example);

// Accuracy, macro-F1, per-class precision/recall, confusion and reliability.
EvalReport evaluate(const Classifier& classifier, const std::vector<Example>& examples);

// A human-readable report of `r`.
std::string format_report(const EvalReport& r);

// The reliability table alone (confidence bins vs accuracy).
std::string format_reliability(const EvalReport& r);

}  // namespace perimeter::router
