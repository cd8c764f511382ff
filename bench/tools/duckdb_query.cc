// Reads a DuckDB file for bench/run after the process that wrote it has
// stopped (figure 4 measures latency again from the loaded rows' own
// timestamps). Opens the file read-only with the DuckDB library cdcpipe
// links, runs one SELECT and prints its rows, values tab-separated in
// DuckDB's text form, NULL as \N.
// Usage: duckdb_query DB_FILE SQL
#include <duckdb.h>

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DB_FILE SQL\n", argv[0]);
    return 2;
  }
  duckdb_config config;
  duckdb_database db;
  duckdb_connection con;
  char* open_error = nullptr;
  if (duckdb_create_config(&config) == DuckDBError ||
      duckdb_set_config(config, "access_mode", "READ_ONLY") == DuckDBError ||
      duckdb_open_ext(argv[1], &db, config, &open_error) == DuckDBError) {
    std::fprintf(stderr, "cannot open %s: %s\n", argv[1], open_error ? open_error : "unknown error");
    return 1;
  }
  duckdb_destroy_config(&config);
  if (duckdb_connect(db, &con) == DuckDBError) {
    std::fprintf(stderr, "cannot connect to %s\n", argv[1]);
    return 1;
  }
  // Every column cast to VARCHAR by DuckDB itself: duckdb_value_varchar
  // returns NULL for types it does not convert (TIMESTAMPTZ among them).
  const std::string sql = std::string("SELECT COLUMNS(*)::VARCHAR FROM (") + argv[2] + ")";
  duckdb_result result;
  if (duckdb_query(con, sql.c_str(), &result) == DuckDBError) {
    std::fprintf(stderr, "%s: %s\n", argv[2], duckdb_result_error(&result));
    duckdb_destroy_result(&result);
    return 1;
  }
  const idx_t columns = duckdb_column_count(&result);
  const idx_t rows = duckdb_row_count(&result);
  for (idx_t r = 0; r < rows; ++r) {
    for (idx_t c = 0; c < columns; ++c) {
      char* v = duckdb_value_varchar(&result, c, r);
      std::printf("%s%s", c ? "\t" : "", v ? v : "\\N");
      duckdb_free(v);
    }
    std::printf("\n");
  }
  duckdb_destroy_result(&result);
  duckdb_disconnect(&con);
  duckdb_close(&db);
  return 0;
}
