#include "source/postgres/preflight.h"

#include "core/strings.h"
#include "source/postgres/pg_connection.h"

namespace cdc::pg {
namespace {

std::string Value(Connection& c, const std::string& sql, absl::Status& error) {
  auto r = c.Exec(sql, "preflight");
  if (!r.ok()) {
    if (error.ok()) error = r.status();
    return "";
  }
  return PQntuples(r->get()) > 0 && !PQgetisnull(r->get(), 0, 0) ? PQgetvalue(r->get(), 0, 0) : "";
}

}  // namespace

absl::StatusOr<std::vector<PreflightCheck>> RunPreflight(const std::string& dsn, const std::string& slot,
                                                         const std::string& publication,
                                                         const std::vector<TableId>& tables) {
  CDC_ASSIGN_OR_RETURN(auto conn, Connection::Open(dsn, false, "preflight"));
  Connection& c = *conn;
  absl::Status error;
  std::vector<PreflightCheck> out;
  auto add = [&](std::string name, bool ok, std::string detail, std::string fix) {
    out.push_back({std::move(name), ok, std::move(detail), ok ? "" : std::move(fix)});
  };

  const std::string version = Value(c, "SHOW server_version_num", error);
  add("server version", !version.empty() && std::stoi(version) >= 140000, StrCat("server_version_num ", version),
      "upgrade to PostgreSQL 14 or newer (pgoutput with messages and binary options)");

  const std::string wal_level = Value(c, "SHOW wal_level", error);
  add("wal_level", wal_level == "logical", StrCat("wal_level = ", wal_level),
      "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL");

  const std::string slots = Value(c, "SHOW max_replication_slots", error);
  const std::string used = Value(c, "SELECT count(*) FROM pg_replication_slots", error);
  const bool ours = Value(c, StrCat("SELECT 1 FROM pg_replication_slots WHERE slot_name = ", c.Quote(slot)), error) == "1";
  const bool slot_ok = ours || (!slots.empty() && !used.empty() && std::stoi(used) < std::stoi(slots));
  add("replication slots", slot_ok,
      StrCat(used, " of max_replication_slots ", slots, " in use", ours ? StrCat("; slot ", slot, " exists") : ""),
      "raise max_replication_slots (restart needed) or drop unused slots (pg_drop_replication_slot)");

  const std::string senders = Value(c, "SHOW max_wal_senders", error);
  const std::string active = Value(c, "SELECT count(*) FROM pg_stat_replication", error);
  add("WAL senders", !senders.empty() && !active.empty() && std::stoi(active) < std::stoi(senders),
      StrCat(active, " of max_wal_senders ", senders, " in use"),
      "raise max_wal_senders (restart needed)");

  const std::string role = Value(c, "SELECT current_user", error);
  const bool replication = Value(c, "SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user", error) == "t";
  add("REPLICATION attribute", replication, StrCat("role ", role),
      StrCat("ALTER ROLE ", c.QuoteIdent(role), " WITH REPLICATION"));

  const bool superuser = Value(c, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user", error) == "t";
  const std::string owner = Value(c, StrCat("SELECT pg_get_userbyid(pubowner) FROM pg_publication WHERE pubname = ",
                                            c.Quote(publication)), error);
  if (!owner.empty()) {
    add("publication", owner == role || superuser, StrCat("publication ", publication, " owned by ", owner),
        StrCat("ALTER PUBLICATION ", c.QuoteIdent(publication), " OWNER TO ", c.QuoteIdent(role)));
  } else {
    const bool can_create = superuser || (!tables.empty() && Value(c, "SELECT has_database_privilege(current_database(), 'CREATE')", error) == "t");
    add("publication", can_create, StrCat("publication ", publication, " does not exist yet; capture creates it"),
        tables.empty() ? "FOR ALL TABLES needs a superuser: create the publication as one, or list source.postgres.tables"
                       : StrCat("GRANT CREATE ON DATABASE ", c.QuoteIdent(Value(c, "SELECT current_database()", error)),
                                " TO ", c.QuoteIdent(role), ", or create the publication beforehand"));
  }

  std::vector<TableId> checked = tables;
  if (checked.empty()) {
    auto r = c.Exec("SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r','p') AND n.nspname NOT IN ('pg_catalog','information_schema') "
                    "AND n.nspname NOT LIKE 'pg_toast%' ORDER BY 1, 2", "preflight tables");
    if (!r.ok()) return r.status();
    for (int i = 0; i < PQntuples(r->get()); ++i) checked.push_back({PQgetvalue(r->get(), i, 0), PQgetvalue(r->get(), i, 1)});
  }
  for (const TableId& t : checked) {
    const std::string qualified = c.QuoteTable(t);
    const std::string oid = Value(c, StrCat("SELECT to_regclass(", c.Quote(qualified), ")::oid"), error);
    if (oid.empty()) {
      add(StrCat("table ", t.ToString()), false, "does not exist", "create it, or remove it from source.postgres.tables");
      continue;
    }
    const bool select = Value(c, StrCat("SELECT has_table_privilege(", oid, "::oid, 'SELECT')"), error) == "t";
    add(StrCat("SELECT on ", t.ToString()), select, select ? "granted" : "not granted",
        StrCat("GRANT SELECT ON ", qualified, " TO ", c.QuoteIdent(role)));
    const std::string ident = Value(c, StrCat("SELECT relreplident FROM pg_class WHERE oid = ", oid), error);
    const bool has_pk = Value(c, StrCat("SELECT 1 FROM pg_index WHERE indrelid = ", oid, " AND indisprimary"), error) == "1";
    const bool ident_ok = ident == "f" || ident == "i" || (ident == "d" && has_pk);
    add(StrCat("replica identity of ", t.ToString()), ident_ok,
        StrCat("REPLICA IDENTITY ", ident == "d" ? "DEFAULT" : ident == "f" ? "FULL" : ident == "i" ? "INDEX" : "NOTHING",
               has_pk ? "" : ", no primary key"),
        StrCat("ALTER TABLE ", qualified, " REPLICA IDENTITY FULL (or add a primary key): without it PostgreSQL "
               "rejects UPDATE and DELETE on a published table"));
  }
  CDC_RETURN_IF_ERROR(error);
  return out;
}

}  // namespace cdc::pg
