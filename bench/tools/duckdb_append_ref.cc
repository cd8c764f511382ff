// Reference for bench/run figure 3: a plain DuckDB Appender insert of rows
// read as PostgreSQL COPY text (tab-separated, \N for NULL) from stdin into a
// fresh table, one transaction per --batch rows (cdcpipe's sink.batch.max_rows
// default), with the same DuckDB library cdcpipe links. No MERGE, no key, no
// Kafka: the floor a loader could reach. Prints one JSON object:
//   {"rows": N, "seconds": S, "rows_per_s": R}
// Usage: duckdb_append_ref DB_FILE "COLUMN DEFINITIONS" [BATCH_ROWS] < rows.tsv
#include <duckdb.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

bool Exec(duckdb_connection con, const std::string& sql) {
  duckdb_result r;
  const bool ok = duckdb_query(con, sql.c_str(), &r) == DuckDBSuccess;
  if (!ok) std::fprintf(stderr, "%s: %s\n", sql.c_str(), duckdb_result_error(&r));
  duckdb_destroy_result(&r);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s DB_FILE \"COLUMN DEFINITIONS\" [BATCH_ROWS] < rows.tsv\n", argv[0]);
    return 2;
  }
  const long batch = argc > 3 ? std::atol(argv[3]) : 122880;
  const auto t0 = std::chrono::steady_clock::now();
  duckdb_database db;
  duckdb_connection con;
  if (duckdb_open(argv[1], &db) == DuckDBError || duckdb_connect(db, &con) == DuckDBError) {
    std::fprintf(stderr, "cannot open %s\n", argv[1]);
    return 1;
  }
  if (!Exec(con, std::string("CREATE TABLE t (") + argv[2] + ")")) return 1;
  duckdb_appender app = nullptr;
  long rows = 0;
  std::string line;
  std::ios::sync_with_stdio(false);
  auto begin = [&] {
    return Exec(con, "BEGIN") && duckdb_appender_create(con, nullptr, "t", &app) == DuckDBSuccess;
  };
  auto commit = [&] {
    const bool ok = duckdb_appender_destroy(&app) == DuckDBSuccess && Exec(con, "COMMIT");
    app = nullptr;
    return ok;
  };
  if (!begin()) return 1;
  while (std::getline(std::cin, line)) {
    size_t start = 0;
    while (true) {
      const size_t tab = line.find('\t', start);
      const size_t end = tab == std::string::npos ? line.size() : tab;
      if (end - start == 2 && line.compare(start, 2, "\\N") == 0) {
        duckdb_append_null(app);
      } else {
        duckdb_append_varchar_length(app, line.data() + start, end - start);  // cast by DuckDB
      }
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    if (duckdb_appender_end_row(app) == DuckDBError) {
      std::fprintf(stderr, "row %ld: %s\n", rows + 1, duckdb_appender_error(app));
      return 1;
    }
    if (++rows % batch == 0 && !(commit() && begin())) return 1;
  }
  if (!commit()) return 1;
  duckdb_disconnect(&con);
  duckdb_close(&db);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("{\"rows\": %ld, \"seconds\": %.3f, \"rows_per_s\": %.0f}\n", rows, secs, rows / secs);
  return 0;
}
