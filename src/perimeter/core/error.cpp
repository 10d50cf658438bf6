#include "core/error.h"

namespace perimeter {

Error::Error(int status, std::string type, std::string message, std::string param, std::string code)
    : std::runtime_error(std::move(message)),
      status(status),
      type(std::move(type)),
      param(std::move(param)),
      code(std::move(code)) {}

nlohmann::json Error::to_json() const {
  auto opt = [](const std::string& s) {
    return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
  };
  return {
      {"error", {{"message", what()}, {"type", type}, {"param", opt(param)}, {"code", opt(code)}}}};
}

Error invalid_request(std::string message, std::string param, std::string code) {
  return Error(400, "invalid_request_error", std::move(message), std::move(param), std::move(code));
}

}  // namespace perimeter
