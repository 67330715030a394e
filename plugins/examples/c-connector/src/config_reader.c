#include "config_reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cursor {
  const char *at;
  const char *end;
} cursor;

static void skip_space(cursor *c) {
  while (c->at < c->end && (*c->at == ' ' || *c->at == '\t' || *c->at == '\n' || *c->at == '\r')) {
    ++c->at;
  }
}

static int hex_value(char h) {
  return h >= '0' && h <= '9'   ? h - '0'
         : h >= 'a' && h <= 'f' ? h - 'a' + 10
         : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                : -1;
}

/* Reads a JSON string at the cursor into a malloc'd UTF-8 copy; NULL when malformed. */
static char *read_string(cursor *c) {
  if (c->at >= c->end || *c->at != '"') return NULL;
  ++c->at;
  char *out = malloc((size_t)(c->end - c->at) * 2 + 1); /* \uXXXX never grows past 3 bytes */
  if (out == NULL) return NULL;
  size_t n = 0;
  while (c->at < c->end && *c->at != '"') {
    char ch = *c->at++;
    if ((unsigned char)ch < 0x20) break;
    if (ch != '\\') {
      out[n++] = ch;
      continue;
    }
    if (c->at >= c->end) break;
    ch = *c->at++;
    const char *simple = strchr("\"\\/bfnrt", ch);
    if (simple != NULL && ch != '\0') {
      out[n++] = "\"\\/\b\f\n\r\t"[simple - "\"\\/bfnrt"];
      continue;
    }
    if (ch != 'u' || c->end - c->at < 4) break;
    long code = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hex_value(*c->at++);
      if (digit < 0) code = -1;
      if (code >= 0) code = code * 16 + digit;
    }
    if (code <= 0 || (code >= 0xD800 && code <= 0xDFFF)) break; /* no NUL, no surrogates */
    if (code < 0x80) {
      out[n++] = (char)code;
    } else if (code < 0x800) {
      out[n++] = (char)(0xC0 | (code >> 6));
      out[n++] = (char)(0x80 | (code & 0x3F));
    } else {
      out[n++] = (char)(0xE0 | (code >> 12));
      out[n++] = (char)(0x80 | ((code >> 6) & 0x3F));
      out[n++] = (char)(0x80 | (code & 0x3F));
    }
  }
  if (c->at >= c->end || *c->at != '"') {
    free(out);
    return NULL;
  }
  ++c->at;
  out[n] = '\0';
  return out;
}

char *config_string(const char *json, size_t size, const char *name, char *why, size_t why_size) {
  cursor c = {json, json + size};
  char *found = NULL;
  skip_space(&c);
  if (c.at >= c.end || *c.at++ != '{') {
    snprintf(why, why_size, "the config is not a JSON object");
    return NULL;
  }
  skip_space(&c);
  int first = 1;
  while (c.at < c.end && *c.at != '}') {
    if (!first) {
      if (*c.at++ != ',') break;
      skip_space(&c);
    }
    first = 0;
    char *key = read_string(&c);
    skip_space(&c);
    if (key == NULL || c.at >= c.end || *c.at++ != ':') {
      free(key);
      break;
    }
    skip_space(&c);
    char *value = read_string(&c);
    if (value == NULL) {
      snprintf(why, why_size, "config: \"%.100s\" must be a string", key);
      free(key);
      free(found);
      return NULL;
    }
    if (strcmp(key, name) != 0) {
      snprintf(why, why_size, "config: unknown key \"%.100s\"", key);
      free(key);
      free(value);
      free(found);
      return NULL;
    }
    free(key);
    free(found);
    found = value;
    skip_space(&c);
  }
  skip_space(&c);
  const int closed = c.at < c.end && *c.at == '}';
  if (closed) ++c.at;
  skip_space(&c);
  if (!closed || c.at != c.end) {
    snprintf(why, why_size, "the config is not valid JSON");
    free(found);
    return NULL;
  }
  if (found == NULL) snprintf(why, why_size, "config: \"%s\" is required", name);
  return found;
}
