#include "gateway/gateway.h"

#include "backends/embedded.h"

namespace perimeter::gateway {

Gateway::Gateway(config::Config config) : config_(std::move(config)), analyzer_(config_) {}

void Gateway::load_models(const std::function<void(const std::string&, float)>& on_progress) {
  for (const auto& [id, model] : config_.models) {
    auto progress = [&on_progress, id = id](float p) {
      if (on_progress) on_progress(id, p);
    };
    backends_[id] = std::make_unique<backends::EmbeddedBackend>(model, progress);
  }
  ready_.store(true);
}

std::string Gateway::resolve_name(const std::string& model) const {
  return model.empty() || model == "auto" ? config_.default_model : model;
}

backends::Backend& Gateway::backend_for(const std::string& model) {
  const std::string id = resolve_name(model);
  if (!config_.models.count(id))
    throw Error(404, "invalid_request_error",
                "The model '" + model +
                    "' does not exist. GET /v1/models lists the models this gateway serves.",
                "model", "model_not_found");
  if (!ready_.load())
    throw Error(503, "server_error",
                "The models are still loading; retry shortly (GET /readyz reports readiness).", "",
                "not_ready");
  return *backends_.at(id);
}

std::vector<backends::BackendInfo> Gateway::models() const {
  std::vector<backends::BackendInfo> out;
  for (const auto& [id, m] : config_.models) out.push_back({id, m.engine, m.sha256, "local"});
  return out;
}

}  // namespace perimeter::gateway
