// Secret and environment references inside config strings: ${env:NAME} and ${file:PATH}.
// "$${" stands for a literal "${". A reference's value is never printed: only its name.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "config/diagnostic.hpp"

namespace junction::config {

struct ReferenceSources {
  std::filesystem::path base_dir;  // relative ${file:} paths start here
  std::function<std::optional<std::string>(const std::string &)> environment;
};

ReferenceSources process_reference_sources(std::filesystem::path base_dir);

// Replaces every reference in every string of `document`. Each problem becomes a
// diagnostic; the pointers of strings that held a reference go into `secret_pointers` so
// that later messages never show their values.
void resolve_references(nlohmann::json &document, const std::string &file,
                        const ReferenceSources &sources, Diagnostics &problems,
                        std::set<std::string> &secret_pointers);

}  // namespace junction::config
