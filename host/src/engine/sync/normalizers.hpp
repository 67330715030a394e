// Normalizers for matching records across systems: two values match when they are equal
// after the rule's normalizers ran in order. Unicode work goes through utf8proc, phone
// numbers through libphonenumber (the mapping's transforms share them).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace junction::engine::sync {

// trim, collapse_whitespace, casefold (full Unicode case folding), nfc, nfkc,
// fold_accents (marks removed after decomposition: "Zoë" matches "Zoe"), email (trimmed,
// case-folded, validated), phone_e164, postcode (letters and digits only, upper case).
bool is_normalizer(std::string_view name);
const std::vector<std::string> &normalizer_names();

// The value normalized, or none when a normalizer cannot apply (not an email, not a
// phone number, nothing left): such a value matches nothing.
std::optional<std::string> normalize_for_match(std::string_view value,
                                               const std::vector<std::string> &normalizers,
                                               const std::string &country);

}  // namespace junction::engine::sync
