/* A TSV file in memory: a header line of field names, then one line per record. Cells
 * escape backslash, tab, newline and carriage return as \\ \t \n \r; a cell of \N is
 * null. */
#ifndef TSV_TABLE_H
#define TSV_TABLE_H

#include <stddef.h>

typedef struct tsv_table {
  size_t field_count;
  char **fields; /* field names */
  size_t row_count;
  size_t row_capacity;
  char ***rows; /* rows[r][f]: a cell, NULL when null */
} tsv_table;

/* Loads `path` into `table` (zeroed by the caller). A missing file is an empty table.
 * Returns 0, or -1 with `why` filled in. */
int tsv_load(const char *path, tsv_table *table, char *why, size_t why_size);

/* Writes the table to path.tmp, flushes it to disk and renames it over `path`. */
int tsv_save(const char *path, const tsv_table *table, char *why, size_t why_size);

/* The index of a field, adding it (null in every row) when `add` is set; -1 if absent. */
long tsv_field(tsv_table *table, const char *name, size_t name_size, int add);

/* Appends a row of nulls; returns its index, or -1 when out of memory. */
long tsv_add_row(tsv_table *table);
void tsv_remove_row(tsv_table *table, size_t row);

/* Replaces a cell with a copy of `text` (NULL: null). Returns 0, or -1 out of memory. */
int tsv_set(tsv_table *table, size_t row, size_t field, const char *text, size_t size);

void tsv_free(tsv_table *table);

#endif
