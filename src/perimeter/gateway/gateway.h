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

#include "backends/backend.h"
#include "config/config.h"

namespace perimeter::gateway {

class Gateway {
 public:
  explicit Gateway(config::Config config);

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
  std::map<std::string, std::unique_ptr<backends::Backend>> backends_;
  std::atomic<bool> ready_{false};
};

}  // namespace perimeter::gateway
