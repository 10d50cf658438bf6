// The linear router: multinomial logistic regression over hashed n-gram
// features, with temperature-scaled (calibrated) probabilities, and its
// artefact format.
//
// Artefact layout (little-endian):
//   "PRMROUTE" | u32 format_version | u32 header_len | header (ASCII
//   "key=value\n" lines: labels, feature settings, temperature, provenance)
//   | f32 bias[3] | f32 weights[2^bucket_bits][3]
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "router/features.h"
#include "router/router.h"

namespace perimeter::router {

inline constexpr uint32_t kFormatVersion = 1;

// How a namespace's summed weights are scaled by its feature count n.
enum class Norm { Sqrt, Mean };

struct LinearModel {
  FeatureSettings features;
  Norm norm = Norm::Sqrt;
  double temperature = 1.0;  // calibrated probabilities are softmax(logits / temperature)
  // Provenance, written to the header and not used for inference.
  uint64_t seed = 0;
  uint32_t epochs = 0;
  uint64_t train_examples = 0;
  std::string data_sha256;
  std::array<float, 3> bias{};
  std::vector<float> weights;  // bucket-major: weights[3 * bucket + class]
};

// Uncalibrated logits of the conversation and the number of features seen.
struct Logits {
  std::array<double, 3> z;
  uint64_t features;
};

// The artefact bytes of `model`; deterministic for equal models.
std::string serialize(const LinearModel& model);

// Parses artefact bytes; throws std::runtime_error on anything malformed.
LinearModel parse_linear_model(std::string_view bytes);

// The calibrated classifier over `model` (no hash check: for training, tests
// and callers that have verified the bytes themselves).
std::unique_ptr<Classifier> make_linear_classifier(LinearModel model, double min_confidence);

// Softmax of z / temperature, computed stably.
std::array<double, 3> softmax(const std::array<double, 3>& z, double temperature);

// The scale applied to a namespace's summed weights when it has n features.
inline double norm_scale(Norm norm, uint64_t n) {
  if (n == 0) return 0.0;
  return norm == Norm::Mean ? 1.0 / static_cast<double>(n)
                            : 1.0 / std::sqrt(static_cast<double>(n));
}

}  // namespace perimeter::router
