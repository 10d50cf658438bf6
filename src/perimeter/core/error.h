// Error type shared by every stage: carries what an OpenAI-style error
// response needs, so any stage can fail with a precise client-facing message.
#pragma once

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace perimeter {

struct Error : std::runtime_error {
  int status;         // HTTP status to answer with
  std::string type;   // OpenAI error type, e.g. "invalid_request_error"
  std::string param;  // offending request field, or empty
  std::string code;   // machine-readable code, or empty

  Error(int status, std::string type, std::string message, std::string param = "",
        std::string code = "");

  // The OpenAI error object: {"error":{"message","type","param","code"}}.
  nlohmann::json to_json() const;
};

// 400 invalid_request_error naming the offending field.
Error invalid_request(std::string message, std::string param = "", std::string code = "");

}  // namespace perimeter
