#include "config/schema_validator.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include "config/json_text.hpp"

namespace junction::config {
namespace {

using json = nlohmann::json;
using Tokens = std::vector<std::string>;

// valijson's context is {"<root>", "[key]", "[3]", ...}; the brackets wrap the
// raw key.
Tokens tokens_from_context(const std::vector<std::string> &context) {
  Tokens tokens;
  for (const auto &part : context) {
    if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
      tokens.push_back(part.substr(1, part.size() - 2));
    }
  }
  return tokens;
}

std::string pointer_of(const Tokens &tokens) {
  json::json_pointer pointer;
  for (const auto &t : tokens) pointer /= t;
  return pointer.to_string();
}

const json *instance_at(const json &root, const Tokens &tokens) {
  const json *node = &root;
  for (const auto &t : tokens) {
    if (node->is_object()) {
      auto it = node->find(t);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      std::size_t index = 0;
      try {
        index = std::stoul(t);
      } catch (const std::exception &) {
        return nullptr;
      }
      if (index >= node->size()) return nullptr;
      node = &(*node)[index];
    } else {
      return nullptr;
    }
  }
  return node;
}

const json *follow_ref(const json &root, const json *schema) {
  for (int depth = 0; schema != nullptr && schema->is_object() && depth < 16; ++depth) {
    auto ref = schema->find("$ref");
    if (ref == schema->end() || !ref->is_string()) return schema;
    const auto &target = ref->get_ref<const std::string &>();
    if (target.rfind('#', 0) != 0) return schema;
    try {
      schema = &root.at(json::json_pointer(target.substr(1)));
    } catch (const std::exception &) {
      return nullptr;
    }
  }
  return schema;
}

// The subschema that governs the value at `tokens`, where it can be told
// without ambiguity (properties, patternProperties, additionalProperties,
// items).
const json *schema_at(const json &root, const Tokens &tokens) {
  const json *schema = follow_ref(root, &root);
  for (const auto &t : tokens) {
    if (schema == nullptr || !schema->is_object()) return nullptr;
    const json *next = nullptr;
    if (auto props = schema->find("properties"); props != schema->end() && props->contains(t)) {
      next = &(*props)[t];
    }
    if (next == nullptr) {
      if (auto patterns = schema->find("patternProperties"); patterns != schema->end()) {
        for (auto it = patterns->begin(); it != patterns->end() && next == nullptr; ++it) {
          try {
            if (std::regex_search(t, std::regex(it.key()))) next = &it.value();
          } catch (const std::regex_error &) {
          }
        }
      }
    }
    if (next == nullptr) {
      if (auto extra = schema->find("additionalProperties");
          extra != schema->end() && extra->is_object()) {
        next = &*extra;
      }
    }
    if (next == nullptr) {
      if (auto items = schema->find("items"); items != schema->end() && items->is_object()) {
        next = &*items;
      }
    }
    schema = follow_ref(root, next);
  }
  return schema;
}

std::string join_quoted(const json &values, const std::string &separator) {
  std::string out;
  for (const auto &v : values) {
    if (!out.empty()) out += separator;
    out += v.is_string() ? "'" + v.get<std::string>() + "'" : v.dump();
  }
  return out;
}

std::string expected_types(const json *schema) {
  if (schema == nullptr) return "another type";
  auto type = schema->find("type");
  if (type == schema->end()) return "another type";
  if (type->is_string()) return "a value of type " + type->get<std::string>();
  std::string out;
  for (const auto &t : *type) out += (out.empty() ? "" : " or ") + t.get<std::string>();
  return "a value of type " + out;
}

std::string known_keys(const json *schema) {
  if (schema == nullptr) return {};
  std::string out;
  if (auto props = schema->find("properties"); props != schema->end()) {
    for (auto it = props->begin(); it != props->end(); ++it) {
      out += (out.empty() ? "" : ", ") + it.key();
    }
  }
  std::string patterns;
  if (auto p = schema->find("patternProperties"); p != schema->end()) {
    for (auto it = p->begin(); it != p->end(); ++it) {
      patterns += (patterns.empty() ? "" : " or ") + it.key();
    }
  }
  if (!out.empty())
    return "expected one of: " + out + (patterns.empty() ? "" : ", or a key matching " + patterns);
  if (!patterns.empty()) return "expected a key matching " + patterns;
  return "no keys are allowed here";
}

bool key_is_declared(const json *schema, const std::string &key) {
  if (schema == nullptr) return false;
  if (auto props = schema->find("properties"); props != schema->end() && props->contains(key)) {
    return true;
  }
  if (auto patterns = schema->find("patternProperties"); patterns != schema->end()) {
    for (auto it = patterns->begin(); it != patterns->end(); ++it) {
      try {
        if (std::regex_search(key, std::regex(it.key()))) return true;
      } catch (const std::regex_error &) {
      }
    }
  }
  return false;
}

bool starts_with(const std::string &s, const char *prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Messages that only say a child failed; the child's own message is the useful
// one.
bool is_wrapper(const std::string &description) {
  return starts_with(description, "Failed to validate against schema associated with property") ||
         starts_with(description, "Failed to validate item #") ||
         starts_with(description, "Failed to validate against additional properties schema") ||
         starts_with(description, "Failed to validate against schema associated with pattern");
}

class MessageBuilder {
 public:
  MessageBuilder(const json &schema, const json &document, const std::string &file,
                 const std::string &base_pointer, const std::set<std::string> &secrets)
      : schema_(schema), document_(document), file_(file), base_(base_pointer), secrets_(secrets) {}

  void add(const Tokens &tokens, const std::string &description, Diagnostics &out,
           std::set<std::string> &seen) {
    const json *value = instance_at(document_, tokens);
    const json *schema = schema_at(schema_, tokens);
    const std::string pointer = base_ + pointer_of(tokens);
    auto emit = [&](const std::string &where, std::string message) {
      if (seen.insert(where + '\n' + message).second) {
        out.push_back(Diagnostic{file_, where, std::move(message)});
      }
    };

    if (starts_with(description, "Object contains a property that could not be validated")) {
      // valijson names only the first unknown key; report every one.
      if (value != nullptr && value->is_object()) {
        for (auto it = value->begin(); it != value->end(); ++it) {
          if (!key_is_declared(schema, it.key())) {
            // A key of any length is quoted, and located, by its first 60 bytes.
            emit(pointer + "/" + excerpt(escape(it.key()), 60),
                 "unknown key '" + excerpt(it.key(), 60) + "' (" + known_keys(schema) + ")");
          }
        }
      }
      return;
    }
    if (starts_with(description, "Missing required property '")) {
      const std::string key = description.substr(27, description.rfind('\'') - 27);
      emit(pointer, "missing required key '" + key + "'");
      return;
    }
    const std::string found = "found " + shown(value, pointer);
    if (starts_with(description, "Value type not permitted")) {
      emit(pointer, "expected " + expected_types(schema) + ", " + found);
    } else if (starts_with(description, "Failed to match against any enum values")) {
      const json *options =
          schema != nullptr && schema->contains("enum") ? &(*schema)["enum"] : nullptr;
      emit(pointer, "expected one of " +
                        (options ? join_quoted(*options, ", ")
                                 : "the allowed "
                                   "values") +
                        ", " + found);
    } else if (starts_with(description, "Failed to match regex")) {
      std::string expected = "a string matching the pattern";
      if (schema != nullptr && schema->contains("pattern")) {
        expected += " " + (*schema)["pattern"].get<std::string>();
      }
      emit(pointer, "expected " + expected + ", " + found);
    } else {
      // valijson prints bounds as doubles ("1.000000"); whole numbers read as integers.
      std::string text = std::regex_replace(description, std::regex(R"((\d+)\.0+\b)"), "$1");
      if (!text.empty() && text.back() == '.') text.pop_back();
      if (!text.empty()) text[0] = static_cast<char>(std::tolower(text[0]));
      emit(pointer, text + "; " + found);
    }
  }

 private:
  static std::string escape(const std::string &key) {
    return (json::json_pointer() / key).to_string().substr(1);
  }
  std::string shown(const json *value, const std::string &pointer) const {
    if (value == nullptr) return "nothing";
    for (const auto &secret : secrets_) {
      if (pointer == secret || starts_with(pointer, (secret + "/").c_str())) {
        return "a value from a secret reference (not shown)";
      }
    }
    return describe_json_value(*value);
  }

  const json &schema_;
  const json &document_;
  const std::string &file_;
  const std::string &base_;
  const std::set<std::string> &secrets_;
};

}  // namespace

SchemaValidator::SchemaValidator(json schema) : schema_json_(std::move(schema)) {
  if (!schema_json_.is_object()) throw std::runtime_error("a JSON Schema must be an object");
  schema_ = std::make_unique<valijson::Schema>();
  valijson::SchemaParser parser;
  valijson::adapters::NlohmannJsonAdapter adapter(schema_json_);
  parser.populateSchema(adapter, *schema_);
}

SchemaValidator::~SchemaValidator() = default;

Diagnostics SchemaValidator::validate(const json &document, const std::string &file,
                                      const std::string &base_pointer,
                                      const std::set<std::string> &secret_pointers) const {
  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(document);
  Diagnostics out;
  if (validator.validate(*schema_, target, &results)) return out;

  std::vector<std::pair<Tokens, std::string>> errors;
  valijson::ValidationResults::Error error;
  while (results.popError(error)) {
    if (!is_wrapper(error.description)) {
      errors.emplace_back(tokens_from_context(error.context), error.description);
    }
  }
  // Report in document order, outermost problems first.
  std::stable_sort(errors.begin(), errors.end(),
                   [](const auto &a, const auto &b) { return a.first < b.first; });
  MessageBuilder builder(schema_json_, document, file, base_pointer, secret_pointers);
  std::set<std::string> seen;
  for (const auto &[tokens, description] : errors) builder.add(tokens, description, out, seen);
  return out;
}

}  // namespace junction::config
