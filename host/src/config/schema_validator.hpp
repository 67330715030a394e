// JSON Schema validation (valijson) with messages that say where, what was expected and
// what was found.
#pragma once

#include <memory>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "config/diagnostic.hpp"

namespace valijson {
class Schema;
}

namespace junction::config {

class SchemaValidator {
 public:
  // Throws std::runtime_error naming the problem when `schema` is not a usable schema.
  explicit SchemaValidator(nlohmann::json schema);
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator &) = delete;
  SchemaValidator &operator=(const SchemaValidator &) = delete;

  // Validates `document`, which sits at `base_pointer` inside `file`. Values at pointers
  // in `secret_pointers` are never quoted.
  Diagnostics validate(const nlohmann::json &document, const std::string &file,
                       const std::string &base_pointer = "",
                       const std::set<std::string> &secret_pointers = {}) const;

 private:
  nlohmann::json schema_json_;
  std::unique_ptr<valijson::Schema> schema_;
};

}  // namespace junction::config
