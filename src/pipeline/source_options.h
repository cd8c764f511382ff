#pragma once
// The PostgreSQL source's options from the config: what capture, verify and
// reset-snapshot agree on (which tables capture has, the snapshot mode).
#include "config/config.h"
#include "source/postgres/postgres_source.h"

namespace cdc {

pg::PostgresSourceOptions SourceOptionsFor(const Config& c);

}  // namespace cdc
