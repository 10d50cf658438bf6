// The analysis stage: what a request is (intent, from the router) and how
// sensitive it is (findings, from the detectors), computed on the host before
// any decision. Fails closed: an analysis that cannot complete reports the
// most sensitive level and an uncertain intent.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "core/chat.h"
#include "detect/detector.h"
#include "router/router.h"

namespace perimeter::analyze {

struct Analysis {
  std::vector<detect::Finding> findings;
  detect::Sensitivity detected = detect::Sensitivity::Restricted;
  router::Classification intent{router::Intent::SensitiveExtraction, 0, {0, 0, 0}, true};
  bool failed_closed = false;  // analysis failed; the values above are the protective defaults
  std::string failure;         // why, when failed_closed
  double micros = 0;           // wall time of the analysis
};

// Loads the router the options name ("builtin" = the artefact shipped in
// data/router/), pinned by sha256; relative paths resolve against base_dir.
std::unique_ptr<router::Classifier> load_router(const router::RouterOptions& options,
                                                const std::filesystem::path& base_dir);

// {"label","confidence","uncertain","scores":{intent: probability}}.
nlohmann::json intent_json(const router::Classification& c);

class Analyzer {
 public:
  // Builds the detector and loads the (pinned) router from the config's
  // `detect:` and `router:` sections. Throws std::runtime_error on failure.
  explicit Analyzer(const config::Config& config);

  // Analyzes every message of `messages`. Never throws: on any internal
  // failure the result is failed_closed and maximally protective.
  Analysis analyze(const std::vector<Message>& messages) const noexcept;

  // {"intent":{...},"findings":[...],"sensitivity":...,"analysis_us":...}
  nlohmann::json to_json(const Analysis& a) const;

 private:
  std::unique_ptr<detect::Detector> detector_;
  std::unique_ptr<router::Classifier> router_;
};

}  // namespace perimeter::analyze
