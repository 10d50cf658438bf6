// The request path behind the HTTP layer: which backend answers a request.
// Later stages (authentication, analysis, policy, audit) plug in here, so
// the HTTP layer stays a protocol adapter.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "analyze/analyzer.h"
#include "backends/backend.h"
#include "config/config.h"

namespace perimeter::gateway {

class Gateway {
 public:
  // Builds the analysis stage (detectors, pinned router); throws
  // std::runtime_error if it cannot. Models load later, in load_models().
  explicit Gateway(config::Config config);

  // Intent and sensitivity of a conversation; never throws (fails closed).
  analyze::Analysis analyze(const std::vector<Message>& messages) const {
    return analyzer_.analyze(messages);
  }

  // The analysis as the JSON that /v1/perimeter/analyze and `perimeter analyze` print.
  nlohmann::json analysis_json(const analyze::Analysis& a) const { return analyzer_.to_json(a); }

  // Loads every configured model (hash-checked); reports progress per model.
  // Throws std::runtime_error naming the model that failed.
  void load_models(const std::function<void(const std::string& id, float progress)>& on_progress);

  // True once every model is loaded.
  bool ready() const { return ready_.load(); }

  // The backend serving `model` ("auto" or "" = the default model). Throws
  // Error 404 model_not_found, or 503 while models are still loading.
  backends::Backend& backend_for(const std::string& model);

  // The model id a response reports for a request naming `model`.
  std::string resolve_name(const std::string& model) const;

  // Facts about every configured model, loaded or not.
  std::vector<backends::BackendInfo> models() const;

  const config::Config& config() const { return config_; }

 private:
  config::Config config_;
  analyze::Analyzer analyzer_;
  std::map<std::string, std::unique_ptr<backends::Backend>> backends_;
  std::atomic<bool> ready_{false};
};

}  // namespace perimeter::gateway
