// The analysis stage: what a request is (intent, from the router) and how
// sensitive it is (findings, from the detectors), computed on the host before
// any decision. Fails closed: an analysis that cannot complete reports the
// most sensitive level and an uncertain intent.
#pragma once

#include <memory>
#include <vector>

#include <nlohmann/json.hpp>

#include "analyze/llm_router.h"
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

// Loads the linear router the options name ("builtin" = the artefact shipped
// in data/router/), pinned by sha256; relative paths resolve against
// base_dir. Throws for kind llm, which needs the models (overload below).
std::unique_ptr<router::Classifier> load_router(const router::RouterOptions& options,
                                                const std::filesystem::path& base_dir);

// Throws std::runtime_error("router.model: ...") unless the config's router is
// linear or names one of its embedded models.
void check_router_model(const config::Config& config);

// The router of config.router: linear as above, or for kind llm an
// LlmClassifier asking the embedded model through `local_model` (required
// then; it may return nullptr until the model is loaded). Validates with
// check_router_model.
std::unique_ptr<router::Classifier> load_router(const config::Config& config,
                                                LocalModel local_model);

// {"label","confidence","uncertain","scores":{intent: probability}}.
nlohmann::json intent_json(const router::Classification& c);

class Analyzer {
 public:
  // Builds the detector and loads the (pinned) router from the config's
  // `detect:` and `router:` sections. `local_model` is used only by the LLM
  // router (`router.kind: llm`), which needs it: the backend of a loaded
  // embedded model by id, nullptr while loading. Throws std::runtime_error
  // on failure.
  explicit Analyzer(const config::Config& config, LocalModel local_model = {});

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
