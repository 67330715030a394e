#include "config/references.hpp"

#include "log/secret_redaction.hpp"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace junction::config {
namespace {

bool valid_env_name(const std::string &name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

// Secrets are small: a referenced file larger than this is a mistake (a log, a device).
constexpr std::uintmax_t max_secret_file = 64 * 1024;

std::optional<std::string> read_secret_file(const std::filesystem::path &path, std::string &why) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec) {
    why = ec.message();
    return std::nullopt;
  }
  // A device or a pipe (/dev/zero, /dev/stdin) could be read forever.
  if (!std::filesystem::is_regular_file(status)) {
    why = "it is not a regular file";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string text(max_secret_file + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.size() > max_secret_file) {
    why = "it is larger than 64 KiB, more than a secret holds";
    return std::nullopt;
  }
  // Files written by editors and `echo` end with a newline that is not part of the secret.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

class Resolver {
 public:
  Resolver(const std::string &file, const ReferenceSources &sources, Diagnostics &problems)
      : file_(file), sources_(sources), problems_(problems) {}

  // Returns true when the string held at least one reference.
  bool resolve(std::string &text, const std::string &pointer) {
    if (text.find("${") == std::string::npos) return false;
    std::string out;
    bool referenced = false;
    std::size_t i = 0;
    while (i < text.size()) {
      if (text.compare(i, 3, "$${") == 0) {
        out += "${";
        i += 3;
        continue;
      }
      if (text.compare(i, 2, "${") != 0) {
        out += text[i++];
        continue;
      }
      const std::size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        fail(pointer,
             "unterminated reference: expected ${env:NAME} or ${file:PATH} closed by "
             "'}' (write $${ for a literal ${)");
        return true;
      }
      referenced = true;
      const std::string value = lookup(text.substr(i + 2, close - i - 2), pointer);
      log::register_secret(value);  // never printed, logged or stored from here on
      out += value;
      i = close + 1;
    }
    text = std::move(out);
    return referenced;
  }

 private:
  std::string lookup(const std::string &reference, const std::string &pointer) {
    const std::size_t colon = reference.find(':');
    const std::string scheme = reference.substr(0, colon);
    const std::string argument = colon == std::string::npos ? "" : reference.substr(colon + 1);
    if (scheme == "env" && colon != std::string::npos) {
      if (!valid_env_name(argument)) {
        fail(pointer, "invalid environment variable name in ${env:" + argument +
                          "}: expected letters, digits and '_'");
        return {};
      }
      if (auto value = sources_.environment(argument)) return *value;
      fail(pointer, "environment variable " + argument + " referenced by ${env:" + argument +
                        "} is not set");
      return {};
    }
    if (scheme == "file" && colon != std::string::npos) {
      if (argument.empty()) {
        fail(pointer, "empty path in ${file:}: expected ${file:PATH}");
        return {};
      }
      std::filesystem::path path(argument);
      if (path.is_relative()) path = sources_.base_dir / path;
      std::string why;
      if (auto value = read_secret_file(path, why)) return *value;
      fail(pointer, "file " + path.string() + " referenced by ${file:" + argument +
                        "} cannot be read: " + why);
      return {};
    }
    fail(pointer, "unknown reference ${" + scheme + (colon == std::string::npos ? "" : ":...") +
                      "}: expected ${env:NAME} or ${file:PATH}");
    return {};
  }

  void fail(const std::string &pointer, std::string message) {
    problems_.push_back(Diagnostic{file_, pointer, std::move(message)});
  }

  const std::string &file_;
  const ReferenceSources &sources_;
  Diagnostics &problems_;
};

void walk(nlohmann::json &node, const nlohmann::json::json_pointer &pointer, Resolver &resolver,
          std::set<std::string> &secret_pointers) {
  if (node.is_string()) {
    if (resolver.resolve(node.get_ref<std::string &>(), pointer.to_string())) {
      secret_pointers.insert(pointer.to_string());
    }
  } else if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      walk(it.value(), pointer / it.key(), resolver, secret_pointers);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      walk(node[i], pointer / i, resolver, secret_pointers);
    }
  }
}

}  // namespace

ReferenceSources process_reference_sources(std::filesystem::path base_dir) {
  return ReferenceSources{std::move(base_dir),
                          [](const std::string &name) -> std::optional<std::string> {
                            const char *value = std::getenv(name.c_str());
                            if (value == nullptr) return std::nullopt;
                            return std::string(value);
                          }};
}

void resolve_references(nlohmann::json &document, const std::string &file,
                        const ReferenceSources &sources, Diagnostics &problems,
                        std::set<std::string> &secret_pointers) {
  Resolver resolver(file, sources, problems);
  walk(document, nlohmann::json::json_pointer(), resolver, secret_pointers);
}

}  // namespace junction::config
