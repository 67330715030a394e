# junction_add_plugin(<target> MANIFEST <manifest.json> SCHEMA <schema.json> SOURCES ...)
#
# Builds a Junction connector plugin: a shared library with hidden visibility whose
# manifest (manifest.json plus the config JSON Schema under "config_schema") is embedded in
# the ELF section .junction_manifest, where the host reads it without running plugin code.
# Defines JUNCTION_PLUGIN_NAME and JUNCTION_PLUGIN_VERSION from the manifest for the
# JUNCTION_PLUGIN() export macro. The output file is named <manifest name>.so.
include_guard(GLOBAL)

function(junction_embed_manifest target manifest_file schema_file)
  file(READ "${manifest_file}" manifest)
  file(READ "${schema_file}" schema)
  string(JSON schema_type ERROR_VARIABLE schema_error TYPE "${schema}")
  if(schema_error)
    message(FATAL_ERROR "${schema_file}: not valid JSON: ${schema_error}")
  endif()
  string(JSON manifest SET "${manifest}" config_schema "${schema}")
  string(JSON plugin_name GET "${manifest}" name)
  string(JSON plugin_version GET "${manifest}" version)
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${manifest_file}" "${schema_file}")

  # Emit the manifest bytes as a C array placed in the manifest section, NUL-terminated.
  string(HEX "${manifest}" hex)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${hex}")
  set(source "${CMAKE_CURRENT_BINARY_DIR}/${target}_manifest.c")
  file(WRITE "${source}.tmp"
    "/* Generated from ${manifest_file} and ${schema_file}; do not edit. */\n"
    "__attribute__((used, section(\".junction_manifest\")))\n"
    "const unsigned char junction_manifest_json[] = {${bytes}0x00};\n")
  file(COPY_FILE "${source}.tmp" "${source}" ONLY_IF_DIFFERENT)
  target_sources(${target} PRIVATE "${source}")
  target_compile_definitions(${target} PRIVATE
    JUNCTION_PLUGIN_NAME="${plugin_name}" JUNCTION_PLUGIN_VERSION="${plugin_version}")
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "${plugin_name}" PREFIX "")
endfunction()

function(junction_add_plugin target)
  cmake_parse_arguments(PLUGIN "" "MANIFEST;SCHEMA" "SOURCES" ${ARGN})
  if(NOT PLUGIN_MANIFEST OR NOT PLUGIN_SCHEMA)
    message(FATAL_ERROR "junction_add_plugin(${target}): MANIFEST and SCHEMA are required")
  endif()
  add_library(${target} MODULE ${PLUGIN_SOURCES})
  target_link_libraries(${target} PRIVATE JunctionSDK::sdk)
  set_target_properties(${target} PROPERTIES
    C_VISIBILITY_PRESET hidden CXX_VISIBILITY_PRESET hidden VISIBILITY_INLINES_HIDDEN ON)
  # A sanitized build leaves the sanitizer runtime to the executable that loads the plugin
  # (clang links it into executables only), so there a plugin has undefined symbols.
  if(NOT APPLE AND NOT JUNCTION_SANITIZE)
    target_link_options(${target} PRIVATE "LINKER:--no-undefined")
  endif()
  junction_embed_manifest(${target} "${PLUGIN_MANIFEST}" "${PLUGIN_SCHEMA}")
endfunction()
