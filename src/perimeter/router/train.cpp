#include "router/train.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace perimeter::router {
namespace {

// splitmix64: a PRNG whose output is fixed by its definition, unlike the
// implementation-defined std distributions and std::shuffle.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n) by multiply-shift (bias negligible for n << 2^32).
  size_t below(size_t n) { return static_cast<size_t>(((next() >> 32) * n) >> 32); }
};

// One example as a sparse vector: sorted unique buckets and their values.
struct Sparse {
  std::vector<uint32_t> bucket;
  std::vector<double> value;
  int label;
};

Sparse featurize(const FeatureSettings& fs, Norm norm, const Example& e) {
  std::vector<Turn> conv = conversation_of(e);
  std::vector<std::pair<uint32_t, uint32_t>> occ;  // (bucket, namespace)
  uint64_t n[kNamespaceCount] = {};
  for_each_feature(fs, conv, [&](uint32_t ns, uint32_t b) {
    occ.emplace_back(b, ns);
    ++n[ns];
  });
  std::sort(occ.begin(), occ.end());
  Sparse s;
  s.label = static_cast<int>(e.label);
  for (auto [b, ns] : occ) {
    double v = norm_scale(norm, n[ns]);
    if (!s.bucket.empty() && s.bucket.back() == b)
      s.value.back() += v;
    else {
      s.bucket.push_back(b);
      s.value.push_back(v);
    }
  }
  return s;
}

std::array<double, 3> logits(const Sparse& s, const std::vector<double>& w,
                             const std::array<double, 3>& bias) {
  std::array<double, 3> z = bias;
  for (size_t i = 0; i < s.bucket.size(); ++i) {
    const double* row = &w[3 * static_cast<size_t>(s.bucket[i])];
    for (int c = 0; c < 3; ++c) z[c] += s.value[i] * row[c];
  }
  return z;
}

size_t argmax(const std::array<double, 3>& v) {
  size_t b = 0;
  for (size_t c = 1; c < 3; ++c)
    if (v[c] > v[b]) b = c;
  return b;
}

double nll_at(const std::vector<std::array<double, 3>>& z, const std::vector<int>& y, double t) {
  double sum = 0;
  for (size_t i = 0; i < z.size(); ++i)
    sum -= std::log(std::max(softmax(z[i], t)[static_cast<size_t>(y[i])], 1e-300));
  return z.empty() ? 0 : sum / static_cast<double>(z.size());
}

// Temperature minimising dev NLL: golden-section search over log T in
// [log 0.05, log 20] (NLL is unimodal in T for fixed logits).
double fit_temperature(const std::vector<std::array<double, 3>>& z, const std::vector<int>& y) {
  if (z.empty()) return 1.0;
  const double g = (std::sqrt(5.0) - 1) / 2;
  double a = std::log(0.05), b = std::log(20.0);
  double c = b - g * (b - a), d = a + g * (b - a);
  double fc = nll_at(z, y, std::exp(c)), fd = nll_at(z, y, std::exp(d));
  for (int i = 0; i < 80; ++i) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - g * (b - a);
      fc = nll_at(z, y, std::exp(c));
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + g * (b - a);
      fd = nll_at(z, y, std::exp(d));
    }
  }
  return std::exp((a + b) / 2);
}

}  // namespace

TrainResult train_linear(const std::vector<Example>& data, const TrainOptions& o) {
  const FeatureSettings& fs = o.features;
  if (fs.bucket_bits < 8 || fs.bucket_bits > 24)
    throw std::runtime_error("bucket_bits must be in [8, 24]");
  if (!reading_is_bounded(fs))
    throw std::runtime_error("head/tail/context/edge bytes exceed the tokenizer's segment");
  std::vector<Sparse> train, dev;
  for (const Example& e : data) {
    Split s = split_of(e);
    if (s == Split::Train)
      train.push_back(featurize(fs, o.norm, e));
    else if (s == Split::Dev)
      dev.push_back(featurize(fs, o.norm, e));
  }
  if (train.empty()) throw std::runtime_error("no training examples in the train split");

  const size_t buckets = size_t{1} << fs.bucket_bits;
  std::vector<double> w(3 * buckets, 0.0), gw(3 * buckets, 0.0);
  std::array<double, 3> bias{}, gb{};
  const double lr = o.learning_rate, l2 = o.l2, eps = 1e-8;
  std::vector<size_t> order(train.size());
  SplitMix64 rng{o.seed};

  for (uint32_t epoch = 1; epoch <= o.epochs; ++epoch) {
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    double loss = 0;
    size_t correct = 0;
    for (size_t idx : order) {
      const Sparse& s = train[idx];
      std::array<double, 3> p = softmax(logits(s, w, bias), 1.0);
      loss -= std::log(std::max(p[static_cast<size_t>(s.label)], 1e-300));
      correct += argmax(p) == static_cast<size_t>(s.label);
      std::array<double, 3> g;
      for (int c = 0; c < 3; ++c) g[c] = p[c] - (c == s.label ? 1.0 : 0.0);
      for (int c = 0; c < 3; ++c) {
        gb[c] += g[c] * g[c];
        bias[c] -= lr * g[c] / (std::sqrt(gb[c]) + eps);
      }
      for (size_t i = 0; i < s.bucket.size(); ++i) {
        size_t base = 3 * static_cast<size_t>(s.bucket[i]);
        for (int c = 0; c < 3; ++c) {
          double grad = g[c] * s.value[i] + l2 * w[base + c];
          gw[base + c] += grad * grad;
          w[base + c] -= lr * grad / (std::sqrt(gw[base + c]) + eps);
        }
      }
    }
    if (o.progress) {
      size_t dev_correct = 0;
      for (const Sparse& s : dev)
        dev_correct += argmax(logits(s, w, bias)) == static_cast<size_t>(s.label);
      o.progress(TrainProgress{
          epoch, o.epochs, loss / static_cast<double>(train.size()),
          static_cast<double>(correct) / static_cast<double>(train.size()),
          dev.empty() ? 0.0 : static_cast<double>(dev_correct) / static_cast<double>(dev.size())});
    }
  }

  TrainResult r;
  LinearModel& m = r.model;
  m.features = fs;
  m.norm = o.norm;
  m.seed = o.seed;
  m.epochs = o.epochs;
  m.train_examples = train.size();
  m.data_sha256 = o.data_sha256;
  for (int c = 0; c < 3; ++c) m.bias[c] = static_cast<float>(bias[c]);
  m.weights.resize(w.size());
  for (size_t i = 0; i < w.size(); ++i) m.weights[i] = static_cast<float>(w[i]);

  // Calibrate with the float weights that ship, so dev sees the real model.
  std::vector<double> wf(m.weights.begin(), m.weights.end());
  std::array<double, 3> bf{m.bias[0], m.bias[1], m.bias[2]};
  std::vector<std::array<double, 3>> dz;
  std::vector<int> dy;
  for (const Sparse& s : dev) {
    dz.push_back(logits(s, wf, bf));
    dy.push_back(s.label);
  }
  m.temperature = fit_temperature(dz, dy);
  // Round through the header's text form so the in-memory model equals the file.
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", m.temperature);
  m.temperature = std::strtod(buf, nullptr);

  r.train_examples = train.size();
  r.dev_examples = dev.size();
  auto clf = make_linear_classifier(m, 0.0);
  std::vector<Example> dev_examples;
  for (const Example& e : data)
    if (split_of(e) == Split::Dev) dev_examples.push_back(e);
  r.dev = evaluate(*clf, dev_examples);
  return r;
}

Classification classify_example(const Classifier& classifier, const Example& e) {
  std::vector<Turn> conv = conversation_of(e);
  return classifier.classify(conv);
}

EvalReport evaluate(const Classifier& classifier, const std::vector<Example>& examples) {
  EvalReport r;
  const double edges[] = {1.0 / 3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0000001};
  for (size_t i = 0; i + 1 < std::size(edges); ++i)
    r.reliability.push_back(ReliabilityBin{edges[i], edges[i + 1]});
  double nll = 0;
  for (const Example& e : examples) {
    Classification c = classify_example(classifier, e);
    size_t t = static_cast<size_t>(e.label), p = static_cast<size_t>(c.intent);
    ++r.confusion[t][p];
    nll -= std::log(std::max(c.scores[t], 1e-300));
    r.uncertain += c.uncertain;
    for (ReliabilityBin& b : r.reliability)
      if (c.confidence >= b.lo && c.confidence < b.hi) {
        ++b.count;
        b.mean_confidence += c.confidence;
        b.accuracy += (t == p);
        break;
      }
  }
  r.n = examples.size();
  if (r.n == 0) return r;
  size_t correct = 0;
  for (size_t c = 0; c < 3; ++c) {
    correct += r.confusion[c][c];
    size_t predicted = 0, actual = 0;
    for (size_t k = 0; k < 3; ++k) {
      predicted += r.confusion[k][c];
      actual += r.confusion[c][k];
    }
    r.precision[c] = predicted ? static_cast<double>(r.confusion[c][c]) / predicted : 0;
    r.recall[c] = actual ? static_cast<double>(r.confusion[c][c]) / actual : 0;
    double pr = r.precision[c] + r.recall[c];
    r.f1[c] = pr > 0 ? 2 * r.precision[c] * r.recall[c] / pr : 0;
    r.macro_f1 += r.f1[c] / 3;
  }
  r.accuracy = static_cast<double>(correct) / static_cast<double>(r.n);
  r.nll = nll / static_cast<double>(r.n);
  for (ReliabilityBin& b : r.reliability) {
    if (b.count == 0) continue;
    b.mean_confidence /= static_cast<double>(b.count);
    b.accuracy /= static_cast<double>(b.count);
    r.ece += static_cast<double>(b.count) / static_cast<double>(r.n) *
             std::abs(b.accuracy - b.mean_confidence);
  }
  return r;
}

std::string format_reliability(const EvalReport& r) {
  std::string out = "  confidence     count  mean_conf  accuracy\n";
  char line[160];
  for (const ReliabilityBin& b : r.reliability) {
    std::snprintf(line, sizeof line, "  [%.2f, %.2f)  %6zu  %9.3f  %8.3f\n", b.lo,
                  std::min(b.hi, 1.0), b.count, b.mean_confidence, b.accuracy);
    out += line;
  }
  std::snprintf(line, sizeof line, "  ECE %.4f   NLL %.4f\n", r.ece, r.nll);
  out += line;
  return out;
}

std::string format_report(const EvalReport& r) {
  char line[200];
  std::string out;
  std::snprintf(line, sizeof line, "examples %zu   accuracy %.4f   macro-F1 %.4f   uncertain %zu\n",
                r.n, r.accuracy, r.macro_f1, r.uncertain);
  out += line;
  out += "\n  class                  precision  recall     F1  support\n";
  for (size_t c = 0; c < 3; ++c) {
    size_t support = r.confusion[c][0] + r.confusion[c][1] + r.confusion[c][2];
    std::snprintf(line, sizeof line, "  %-22s %9.4f  %6.4f  %6.4f  %7zu\n",
                  intent_name(static_cast<Intent>(c)), r.precision[c], r.recall[c], r.f1[c],
                  support);
    out += line;
  }
  out += "\n  confusion (rows: true, columns: predicted)\n";
  std::snprintf(line, sizeof line, "  %-22s %12s %12s %12s\n", "", "public_fact", "sensitive_ex",
                "complex_reas");
  out += line;
  for (size_t t = 0; t < 3; ++t) {
    std::snprintf(line, sizeof line, "  %-22s %12zu %12zu %12zu\n",
                  intent_name(static_cast<Intent>(t)), r.confusion[t][0], r.confusion[t][1],
                  r.confusion[t][2]);
    out += line;
  }
  out += "\n  reliability\n" + format_reliability(r);
  return out;
}

}  // namespace perimeter::router
