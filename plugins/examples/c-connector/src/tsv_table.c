#include "tsv_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *copy_of(const char *text, size_t size) {
  char *out = malloc(size + 1);
  if (out == NULL) return NULL;
  memcpy(out, text, size);
  out[size] = '\0';
  return out;
}

/* Undoes the cell escapes in place; returns NULL for the null marker. */
static char *unescape(char *cell) {
  if (strcmp(cell, "\\N") == 0) return NULL;
  char *to = cell;
  for (const char *from = cell; *from != '\0'; ++from) {
    if (*from == '\\' && from[1] != '\0') {
      ++from;
      *to++ = *from == 't' ? '\t' : *from == 'n' ? '\n' : *from == 'r' ? '\r' : *from;
    } else {
      *to++ = *from;
    }
  }
  *to = '\0';
  return cell;
}

static int write_escaped(FILE *out, const char *cell) {
  if (cell == NULL) return fputs("\\N", out) < 0 ? -1 : 0;
  for (const char *c = cell; *c != '\0'; ++c) {
    const char *escape = *c == '\\'   ? "\\\\"
                         : *c == '\t' ? "\\t"
                         : *c == '\n' ? "\\n"
                         : *c == '\r' ? "\\r"
                                      : NULL;
    if (escape != NULL ? fputs(escape, out) < 0 : fputc(*c, out) == EOF) return -1;
  }
  return 0;
}

long tsv_field(tsv_table *table, const char *name, size_t name_size, int add) {
  for (size_t f = 0; f < table->field_count; ++f) {
    if (strlen(table->fields[f]) == name_size && memcmp(table->fields[f], name, name_size) == 0) {
      return (long)f;
    }
  }
  if (!add) return -1;
  char **fields = realloc(table->fields, (table->field_count + 1) * sizeof *fields);
  if (fields == NULL) return -1;
  table->fields = fields;
  if ((fields[table->field_count] = copy_of(name, name_size)) == NULL) return -1;
  for (size_t r = 0; r < table->row_count; ++r) {
    char **row = realloc(table->rows[r], (table->field_count + 1) * sizeof *row);
    if (row == NULL) return -1;
    row[table->field_count] = NULL;
    table->rows[r] = row;
  }
  return (long)table->field_count++;
}

long tsv_add_row(tsv_table *table) {
  if (table->row_count == table->row_capacity) {
    const size_t capacity = table->row_capacity == 0 ? 16 : table->row_capacity * 2;
    char ***rows = realloc(table->rows, capacity * sizeof *rows);
    if (rows == NULL) return -1;
    table->rows = rows;
    table->row_capacity = capacity;
  }
  char **row = calloc(table->field_count == 0 ? 1 : table->field_count, sizeof *row);
  if (row == NULL) return -1;
  table->rows[table->row_count] = row;
  return (long)table->row_count++;
}

void tsv_remove_row(tsv_table *table, size_t row) {
  for (size_t f = 0; f < table->field_count; ++f) free(table->rows[row][f]);
  free(table->rows[row]);
  memmove(&table->rows[row], &table->rows[row + 1],
          (table->row_count - row - 1) * sizeof *table->rows);
  --table->row_count;
}

int tsv_set(tsv_table *table, size_t row, size_t field, const char *text, size_t size) {
  char *copy = NULL;
  if (text != NULL && (copy = copy_of(text, size)) == NULL) return -1;
  free(table->rows[row][field]);
  table->rows[row][field] = copy;
  return 0;
}

void tsv_free(tsv_table *table) {
  for (size_t r = 0; r < table->row_count; ++r) {
    for (size_t f = 0; f < table->field_count; ++f) free(table->rows[r][f]);
    free(table->rows[r]);
  }
  for (size_t f = 0; f < table->field_count; ++f) free(table->fields[f]);
  free(table->rows);
  free(table->fields);
  memset(table, 0, sizeof *table);
}

/* Splits one line (NUL-terminated, no newline) at tabs into the table. */
static int load_line(tsv_table *table, char *line, int header) {
  long row = header ? -1 : tsv_add_row(table);
  if (!header && row < 0) return -1;
  size_t field = 0;
  for (char *cell = line;; ++field) {
    char *tab = strchr(cell, '\t');
    if (tab != NULL) *tab = '\0';
    if (header) {
      const char *name = unescape(cell);
      if (name == NULL) name = cell; /* a field literally named \N */
      if (tsv_field(table, name, strlen(name), 1) < 0) return -1;
    } else if (field < table->field_count) {
      const char *text = unescape(cell);
      if (tsv_set(table, (size_t)row, field, text, text == NULL ? 0 : strlen(text)) != 0) {
        return -1;
      }
    }
    if (tab == NULL) break;
    cell = tab + 1;
  }
  return 0;
}

int tsv_load(const char *path, tsv_table *table, char *why, size_t why_size) {
  FILE *in = fopen(path, "r");
  if (in == NULL) {
    if (errno == ENOENT) return 0;
    snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t capacity = 0;
  ssize_t length;
  int header = 1, status = 0;
  while ((length = getline(&line, &capacity, in)) >= 0) {
    while (length > 0 && (line[length - 1] == '\n' || line[length - 1] == '\r')) {
      line[--length] = '\0';
    }
    if (load_line(table, line, header) != 0) {
      snprintf(why, why_size, "out of memory reading %s", path);
      status = -1;
      break;
    }
    header = 0;
  }
  if (status == 0 && ferror(in)) {
    snprintf(why, why_size, "cannot read %s: %s", path, strerror(errno));
    status = -1;
  }
  free(line);
  fclose(in);
  return status;
}

int tsv_save(const char *path, const tsv_table *table, char *why, size_t why_size) {
  char temporary[4096];
  if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary) {
    snprintf(why, why_size, "path too long: %s", path);
    return -1;
  }
  FILE *out = fopen(temporary, "w");
  if (out == NULL) {
    snprintf(why, why_size, "cannot write %s: %s", temporary, strerror(errno));
    return -1;
  }
  int failed = 0;
  for (size_t f = 0; f < table->field_count; ++f) {
    failed |= (f > 0 && fputc('\t', out) == EOF) || write_escaped(out, table->fields[f]) != 0;
  }
  failed |= fputc('\n', out) == EOF;
  for (size_t r = 0; r < table->row_count && !failed; ++r) {
    for (size_t f = 0; f < table->field_count; ++f) {
      failed |= (f > 0 && fputc('\t', out) == EOF) || write_escaped(out, table->rows[r][f]) != 0;
    }
    failed |= fputc('\n', out) == EOF;
  }
  failed |= fflush(out) != 0 || fsync(fileno(out)) != 0;
  const int saved_errno = errno;
  failed |= fclose(out) != 0;
  if (failed || rename(temporary, path) != 0) {
    snprintf(why, why_size, "cannot write %s: %s", path, strerror(failed ? saved_errno : errno));
    unlink(temporary);
    return -1;
  }
  return 0;
}
