/* Reads the connector's config: one JSON object whose members are all strings. Enough
 * for this connector (its schema allows only "dir"); a bigger connector would use a JSON
 * library. */
#ifndef TSV_CONFIG_READER_H
#define TSV_CONFIG_READER_H

#include <stddef.h>

/* Finds the string member `name` of the object in json[0..size). Returns a malloc'd,
 * unescaped copy, or NULL with `why` filled in: not an object of strings, or no such
 * member, or any other member (unknown keys are mistakes). */
char *config_string(const char *json, size_t size, const char *name, char *why, size_t why_size);

#endif
