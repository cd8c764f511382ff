# Finds DuckDB's C API (duckdb.h + libduckdb.so) as installed by scripts/setup
# in ~/.cache/cdcpipe/duckdb-<version>, or wherever -DDUCKDB_ROOT points.
set(_duckdb_default "$ENV{HOME}/.cache/cdcpipe/duckdb-1.4.4")
if(DEFINED ENV{CDCPIPE_CACHE})
  set(_duckdb_default "$ENV{CDCPIPE_CACHE}/duckdb-1.4.4")
endif()
set(DUCKDB_ROOT "${_duckdb_default}" CACHE PATH "Directory holding include/duckdb.h and lib/libduckdb.so")

find_path(DuckDB_INCLUDE_DIR duckdb.h HINTS ${DUCKDB_ROOT}/include NO_DEFAULT_PATH)
find_library(DuckDB_LIBRARY duckdb HINTS ${DUCKDB_ROOT}/lib NO_DEFAULT_PATH)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(DuckDB
  REQUIRED_VARS DuckDB_LIBRARY DuckDB_INCLUDE_DIR
  REASON_FAILURE_MESSAGE "run scripts/setup, or pass -DDUCKDB_ROOT=<dir with include/duckdb.h and lib/libduckdb.so>")

if(DuckDB_FOUND AND NOT TARGET DuckDB::duckdb)
  add_library(DuckDB::duckdb SHARED IMPORTED)
  set_target_properties(DuckDB::duckdb PROPERTIES
    IMPORTED_LOCATION "${DuckDB_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${DuckDB_INCLUDE_DIR}")
endif()
