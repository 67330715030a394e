// JSON Schemas compiled into the host so that it never depends on files at run time.
#pragma once

#include <string_view>

namespace junction::resources {

std::string_view host_config_schema_json();  // config/schema/junction.schema.json
std::string_view manifest_schema_json();     // sdk/schema/manifest.schema.json

}  // namespace junction::resources
