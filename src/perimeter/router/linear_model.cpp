#include "router/linear_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/sha256.h"

namespace perimeter::router {

static_assert(std::endian::native == std::endian::little,
              "the artefact is little-endian and read by memcpy");

Classifier::~Classifier() = default;

namespace {

constexpr char kMagic[8] = {'P', 'R', 'M', 'R', 'O', 'U', 'T', 'E'};
constexpr const char* kLabels = "public_fact,sensitive_extraction,complex_reasoning";
constexpr const char* kKind = "linear-hashed-ngrams";
constexpr const char* kHash = "fnv1a64+packed-chargrams+fibonacci/v2";
constexpr uint32_t kMaxHeader = 64 * 1024;

void put_u32(std::string& out, uint32_t v) {
  char b[4];
  std::memcpy(b, &v, 4);
  out.append(b, 4);
}

std::string format_double(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

uint64_t parse_u64(const std::string& key, const std::string& v) {
  if (v.empty() || v.size() > 20 || v.find_first_not_of("0123456789") != std::string::npos)
    throw std::runtime_error("router artefact: header " + key + "=" + v + " is not an integer");
  return std::stoull(v);
}

// Per-namespace sums of quantized weight rows. Buckets are buffered and
// summed in batches: the batch loop keeps its sums in registers and issues
// its table loads independently, instead of a load-add-store chain through
// memory per feature. int32 cannot overflow: at most ~2^16 features are read
// per namespace (bounded input), each |w| <= 2^15.
struct Sums {
  static constexpr uint32_t kBatch = 128;
  explicit Sums(const int16_t* weights) : w(weights) {}
  void add(uint32_t ns, uint32_t bucket) {
    if (ns != ns_ || len_ == kBatch) flush_to(ns);
    buf_[len_++] = bucket;
  }
  void flush() { flush_to(ns_); }

  int32_t acc[kNamespaceCount][4] = {};
  uint32_t n[kNamespaceCount] = {};

 private:
  void flush_to(uint32_t next) {
    // A row is 4 int16 (8 bytes): one load, widened and added as a vector.
    using Row = int16_t __attribute__((vector_size(8)));
    using Sum = int32_t __attribute__((vector_size(16)));
    Sum sum = {};
    for (uint32_t i = 0; i < len_; ++i) {
      Row r;
      std::memcpy(&r, w + 4 * static_cast<size_t>(buf_[i]), sizeof r);
      sum += __builtin_convertvector(r, Sum);
    }
    for (int c = 0; c < 3; ++c) acc[ns_][c] += sum[c];
    n[ns_] += len_;
    len_ = 0;
    ns_ = next;
  }
  const int16_t* w;
  uint32_t ns_ = 0, len_ = 0;
  uint32_t buf_[kBatch];
};

class LinearClassifier final : public Classifier {
 public:
  LinearClassifier(LinearModel model, double min_confidence)
      : m_(std::move(model)), min_confidence_(min_confidence) {
    // Weights are quantized to int16 (the largest |w| maps to 32767) and each
    // bucket's 3 weights padded to 4: 8 bytes per bucket, so a 2^16-bucket
    // table is 512 KiB and stays in L2, and sums are exact integer adds with
    // no floating-point dependency chain. The error per weight is at most
    // max|w| / 65534, far below what moves a prediction.
    float max_abs = 0;
    for (float x : m_.weights) max_abs = std::max(max_abs, std::fabs(x));
    scale_ = max_abs > 0 ? static_cast<double>(max_abs) / 32767.0 : 1.0;
    const size_t buckets = m_.weights.size() / 3;
    quantized_.assign(buckets * 4, 0);
    for (size_t b = 0; b < buckets; ++b)
      for (size_t c = 0; c < 3; ++c)
        quantized_[4 * b + c] =
            static_cast<int16_t>(std::lround(static_cast<double>(m_.weights[3 * b + c]) / scale_));
  }

  Classification classify(std::span<const Turn> conversation) const override {
    Sums sums(quantized_.data());
    for_each_feature(m_.features, conversation,
                     [&](uint32_t ns, uint32_t bucket) { sums.add(ns, bucket); });
    sums.flush();
    const auto& acc = sums.acc;
    const auto& n = sums.n;
    std::array<double, 3> z;
    for (size_t c = 0; c < 3; ++c) {
      z[c] = m_.bias[c];
      for (uint32_t ns = 0; ns < kNamespaceCount; ++ns)
        z[c] += norm_scale(m_.norm, n[ns]) * scale_ * static_cast<double>(acc[ns][c]);
    }
    Classification out;
    out.scores = softmax(z, m_.temperature);
    size_t best = 0;
    for (size_t c = 1; c < 3; ++c)
      if (out.scores[c] > out.scores[best]) best = c;
    out.intent = static_cast<Intent>(best);
    out.confidence = out.scores[best];
    // Nothing to read is not evidence for any class: let policy be protective.
    out.uncertain = out.confidence < min_confidence_ || (n[kBody] == 0 && n[kContext] == 0);
    return out;
  }

 private:
  LinearModel m_;
  double min_confidence_;
  double scale_ = 1.0;
  std::vector<int16_t> quantized_;
};

}  // namespace

const char* intent_name(Intent intent) {
  switch (intent) {
    case Intent::PublicFact:
      return "public_fact";
    case Intent::SensitiveExtraction:
      return "sensitive_extraction";
    case Intent::ComplexReasoning:
      return "complex_reasoning";
  }
  return "sensitive_extraction";
}

std::optional<Intent> parse_intent(std::string_view name) {
  for (Intent i : {Intent::PublicFact, Intent::SensitiveExtraction, Intent::ComplexReasoning})
    if (name == intent_name(i)) return i;
  return std::nullopt;
}

std::array<double, 3> softmax(const std::array<double, 3>& z, double temperature) {
  double t = temperature > 0 ? temperature : 1.0;
  double m = std::max({z[0], z[1], z[2]});
  std::array<double, 3> p;
  double sum = 0;
  for (size_t c = 0; c < 3; ++c) sum += (p[c] = std::exp((z[c] - m) / t));
  for (double& v : p) v /= sum;
  return p;
}

std::string serialize(const LinearModel& m) {
  const FeatureSettings& f = m.features;
  std::ostringstream h;
  h << "kind=" << kKind << "\n"
    << "labels=" << kLabels << "\n"
    << "hash=" << kHash << "\n"
    << "bucket_bits=" << f.bucket_bits << "\n"
    << "word_ngrams=" << f.word_ngrams << "\n"
    << "char_min=" << f.char_min << "\n"
    << "char_max=" << f.char_max << "\n"
    << "char_word_min=" << f.char_word_min << "\n"
    << "ngram_window=" << f.ngram_window << "\n"
    << "edge_bytes=" << f.edge_bytes << "\n"

    << "head_bytes=" << f.head_bytes << "\n"
    << "tail_bytes=" << f.tail_bytes << "\n"
    << "context_bytes=" << f.context_bytes << "\n"
    << "context_turns=" << f.context_turns << "\n"
    << "norm=" << (m.norm == Norm::Mean ? "mean" : "sqrt") << "\n"
    << "temperature=" << format_double(m.temperature) << "\n"
    << "seed=" << m.seed << "\n"
    << "epochs=" << m.epochs << "\n"
    << "train_examples=" << m.train_examples << "\n"
    << "data_sha256=" << m.data_sha256 << "\n";
  std::string header = h.str();
  std::string out(kMagic, sizeof kMagic);
  put_u32(out, kFormatVersion);
  put_u32(out, static_cast<uint32_t>(header.size()));
  out += header;
  out.append(reinterpret_cast<const char*>(m.bias.data()), 3 * sizeof(float));
  out.append(reinterpret_cast<const char*>(m.weights.data()), m.weights.size() * sizeof(float));
  return out;
}

LinearModel parse_linear_model(std::string_view bytes) {
  auto fail = [](const std::string& why) -> void {
    throw std::runtime_error("router artefact: " + why);
  };
  if (bytes.size() < 16 || std::memcmp(bytes.data(), kMagic, 8) != 0)
    fail("not a Perimeter router model (bad magic)");
  uint32_t version, header_len;
  std::memcpy(&version, bytes.data() + 8, 4);
  std::memcpy(&header_len, bytes.data() + 12, 4);
  if (version != kFormatVersion)
    fail("format version " + std::to_string(version) + " unsupported (this build reads " +
         std::to_string(kFormatVersion) + ")");
  if (header_len > kMaxHeader || 16 + header_len > bytes.size()) fail("truncated header");
  std::string_view header = bytes.substr(16, header_len);

  LinearModel m;
  FeatureSettings& f = m.features;
  bool seen_temperature = false, seen_bits = false;
  size_t pos = 0;
  while (pos < header.size()) {
    size_t nl = header.find('\n', pos);
    if (nl == std::string_view::npos) fail("header line without newline");
    std::string line(header.substr(pos, nl - pos));
    pos = nl + 1;
    size_t eq = line.find('=');
    if (eq == std::string::npos) fail("header line '" + line + "' is not key=value");
    std::string key = line.substr(0, eq), v = line.substr(eq + 1);
    auto u32 = [&] {
      uint64_t x = parse_u64(key, v);
      if (x > 1u << 30) fail("header " + key + " out of range");
      return static_cast<uint32_t>(x);
    };
    if (key == "kind") {
      if (v != kKind) fail("kind " + v + " is not " + kKind);
    } else if (key == "labels") {
      if (v != kLabels) fail("labels " + v + " are not " + kLabels);
    } else if (key == "hash") {
      if (v != kHash) fail("feature hash " + v + " is not " + kHash);
    } else if (key == "bucket_bits") {
      f.bucket_bits = u32();
      seen_bits = true;
    } else if (key == "word_ngrams") {
      f.word_ngrams = u32();
    } else if (key == "char_min") {
      f.char_min = u32();
    } else if (key == "char_max") {
      f.char_max = u32();
    } else if (key == "char_word_min") {
      f.char_word_min = u32();
    } else if (key == "ngram_window") {
      f.ngram_window = u32();
    } else if (key == "edge_bytes") {
      f.edge_bytes = u32();
    } else if (key == "head_bytes") {
      f.head_bytes = u32();
    } else if (key == "tail_bytes") {
      f.tail_bytes = u32();
    } else if (key == "context_bytes") {
      f.context_bytes = u32();
    } else if (key == "context_turns") {
      f.context_turns = u32();
    } else if (key == "norm") {
      if (v == "sqrt")
        m.norm = Norm::Sqrt;
      else if (v == "mean")
        m.norm = Norm::Mean;
      else
        fail("norm " + v + " is not sqrt or mean");
    } else if (key == "temperature") {
      char* end = nullptr;
      m.temperature = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(m.temperature > 0) || !std::isfinite(m.temperature))
        fail("temperature " + v + " is not a positive number");
      seen_temperature = true;
    } else if (key == "seed") {
      m.seed = parse_u64(key, v);
    } else if (key == "epochs") {
      m.epochs = u32();
    } else if (key == "train_examples") {
      m.train_examples = parse_u64(key, v);
    } else if (key == "data_sha256") {
      m.data_sha256 = v;
    } else {
      fail("unknown header key '" + key + "'");
    }
  }
  if (!seen_bits || !seen_temperature) fail("header lacks bucket_bits or temperature");
  if (f.bucket_bits < 8 || f.bucket_bits > 24) fail("bucket_bits must be in [8, 24]");
  if (f.word_ngrams < 1 || f.word_ngrams > 2) fail("word_ngrams must be 1 or 2");
  if (f.char_max != 0 && (f.char_min < 1 || f.char_min > f.char_max || f.char_max > 8))
    fail("char n-gram range must satisfy 1 <= char_min <= char_max <= 8");
  if (!reading_is_bounded(f))
    fail("head_bytes + tail_bytes, context_bytes and 2 * edge_bytes must be <= " +
         std::to_string(detail::kMaxSegmentBytes));

  size_t buckets = size_t{1} << f.bucket_bits;
  size_t body = 16 + header_len;
  size_t expect = body + (3 + 3 * buckets) * sizeof(float);
  if (bytes.size() != expect)
    fail("size " + std::to_string(bytes.size()) + " bytes, expected " + std::to_string(expect));
  std::memcpy(m.bias.data(), bytes.data() + body, 3 * sizeof(float));
  m.weights.resize(3 * buckets);
  std::memcpy(m.weights.data(), bytes.data() + body + 3 * sizeof(float),
              m.weights.size() * sizeof(float));
  for (float x : m.bias)
    if (!std::isfinite(x)) fail("non-finite bias");
  for (float x : m.weights)
    if (!std::isfinite(x)) fail("non-finite weight");
  return m;
}

std::unique_ptr<Classifier> make_linear_classifier(LinearModel model, double min_confidence) {
  if (!(min_confidence >= 0.0 && min_confidence <= 1.0))
    throw std::runtime_error("router min_confidence must be in [0, 1]");
  return std::make_unique<LinearClassifier>(std::move(model), min_confidence);
}

std::unique_ptr<Classifier> load_linear_classifier(const std::filesystem::path& file,
                                                   const std::string& expected_sha256,
                                                   double min_confidence) {
  if (!is_sha256_hex(expected_sha256))
    throw std::runtime_error("router model " + file.string() +
                             ": a pinned sha256 (64 lowercase hex digits) is required, got '" +
                             expected_sha256 + "'");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("router model " + file.string() + ": cannot open");
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw std::runtime_error("router model " + file.string() + ": read error");
  // Hash the bytes we parse, not the file a second time: no swap in between.
  std::string actual = sha256_hex(bytes);
  if (actual != expected_sha256)
    throw std::runtime_error("router model " + file.string() + ": sha256 mismatch: pinned " +
                             expected_sha256 + ", file has " + actual);
  try {
    return make_linear_classifier(parse_linear_model(bytes), min_confidence);
  } catch (const std::runtime_error& e) {
    throw std::runtime_error("router model " + file.string() + ": " + e.what());
  }
}

}  // namespace perimeter::router
