#include "source/postgres/snapshot_plan.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "core/strings.h"

namespace cdc::pg {
namespace {

constexpr std::string_view kHeader = "cdcpipe-snapshot-plan 1";

std::string Esc(std::string_view s) { return absl::CEscape(Piece(s)); }

absl::StatusOr<std::string> Unesc(std::string_view s, size_t line) {
  std::string out;
  if (!absl::CUnescape(Piece(s), &out)) {
    return absl::InvalidArgumentError(StrCat("snapshot plan line ", line, ": bad escape"));
  }
  return out;
}

absl::StatusOr<int64_t> ToInt(std::string_view s, size_t line) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(Piece(s), &v)) {
    return absl::InvalidArgumentError(StrCat("snapshot plan line ", line, ": not a number: ", s));
  }
  return v;
}

struct TableFacts {
  std::string qualified;
  std::vector<std::string> key;        // quoted key column names, in index order
  std::vector<std::string> key_types;  // their format_type()
  int64_t estimated_rows = 0;
  int64_t pages = 0;
};

absl::StatusOr<TableFacts> ReadFacts(Connection& conn, const TableId& id) {
  TableFacts f;
  f.qualified = conn.QuoteTable(id);
  const std::string ctx = StrCat("plan snapshot of ", id.ToString());
  // The primary key, else the replica identity index: both are unique and
  // not null, so their ranges partition the rows.
  CDC_ASSIGN_OR_RETURN(Result keys, conn.Exec(StrCat(
      "SELECT a.attname, format_type(a.atttypid, a.atttypmod) "
      "FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
      "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
      "WHERE i.indrelid = ", conn.Quote(f.qualified), "::regclass AND (i.indisprimary OR i.indisreplident) "
      "ORDER BY i.indisprimary DESC, i.indexrelid, k.n"), ctx));
  std::string first_index;
  for (int i = 0; i < PQntuples(keys.get()); ++i) {
    f.key.push_back(conn.QuoteIdent(PQgetvalue(keys.get(), i, 0)));
    f.key_types.push_back(PQgetvalue(keys.get(), i, 1));
  }
  CDC_ASSIGN_OR_RETURN(Result size, conn.Exec(StrCat(
      "SELECT c.reltuples::bigint, pg_relation_size(c.oid) / current_setting('block_size')::bigint "
      "FROM pg_class c WHERE c.oid = ", conn.Quote(f.qualified), "::regclass"), ctx));
  f.estimated_rows = std::stoll(PQgetvalue(size.get(), 0, 0));
  f.pages = std::stoll(PQgetvalue(size.get(), 0, 1));
  if (f.estimated_rows < 0) {
    // Never analyzed: count small tables, guess large ones from their size.
    if (f.pages <= 12800) {
      CDC_ASSIGN_OR_RETURN(Result count, conn.Exec(StrCat("SELECT count(*) FROM ", f.qualified), ctx));
      f.estimated_rows = std::stoll(PQgetvalue(count.get(), 0, 0));
    } else {
      f.estimated_rows = f.pages * 60;
    }
  }
  return f;
}

// Unique key tuples (as text) cutting the table into `chunks` ranges of
// similar size, from a page sample taken in the snapshot.
absl::StatusOr<std::vector<std::vector<std::string>>> KeyBoundaries(Connection& conn, const TableFacts& f,
                                                                    int64_t chunks, std::string_view ctx) {
  // SYSTEM sampling reads whole pages, and neighbouring rows often have
  // neighbouring keys: sample enough pages (8 per chunk) to spread the cuts.
  const double percent = std::min(100.0, 100.0 * static_cast<double>(chunks) * 8 /
                                             static_cast<double>(std::max<int64_t>(f.pages, 1)));
  std::vector<std::string> cols;
  for (size_t k = 0; k < f.key.size(); ++k) cols.push_back(StrCat(f.key[k], "::text AS _cdc_k", k));
  const std::string order = absl::StrJoin(f.key, ", ");  // the columns, not their text
  CDC_ASSIGN_OR_RETURN(Result sample, conn.Exec(StrCat(
      "SELECT ", absl::StrJoin(cols, ", "), " FROM ", f.qualified, " TABLESAMPLE SYSTEM (", percent,
      ") ORDER BY ", order), ctx));
  const int n = PQntuples(sample.get());
  std::vector<std::vector<std::string>> bounds;
  for (int64_t c = 1; c < chunks && n > 0; ++c) {
    const int row = static_cast<int>(c * n / chunks);
    std::vector<std::string> tuple;
    for (size_t k = 0; k < f.key.size(); ++k) tuple.push_back(PQgetvalue(sample.get(), row, static_cast<int>(k)));
    if (bounds.empty() || bounds.back() != tuple) bounds.push_back(std::move(tuple));
  }
  return bounds;
}

std::string KeyTuple(Connection& conn, const TableFacts& f, const std::vector<std::string>& values) {
  std::vector<std::string> literals;
  for (size_t k = 0; k < values.size(); ++k) literals.push_back(StrCat(conn.Quote(values[k]), "::", f.key_types[k]));
  if (values.size() == 1) return literals[0];
  return StrCat("ROW(", absl::StrJoin(literals, ", "), ")");
}

}  // namespace

absl::Status PlanTable(Connection& conn, const TableId& id, int64_t chunk_rows, SnapshotPlan& plan) {
  const std::string ctx = StrCat("plan snapshot of ", id.ToString());
  CDC_ASSIGN_OR_RETURN(TableFacts f, ReadFacts(conn, id));
  const size_t index = plan.tables.size();
  plan.tables.push_back({id, f.estimated_rows});
  const int64_t chunks = std::max<int64_t>(1, (f.estimated_rows + chunk_rows - 1) / std::max<int64_t>(chunk_rows, 1));
  if (chunks == 1) {
    plan.chunks.push_back({index, "", false});
    return absl::OkStatus();
  }
  if (!f.key.empty()) {
    CDC_ASSIGN_OR_RETURN(auto bounds, KeyBoundaries(conn, f, chunks, ctx));
    const std::string key = f.key.size() == 1 ? f.key[0] : StrCat("ROW(", absl::StrJoin(f.key, ", "), ")");
    std::string lower;
    for (const auto& b : bounds) {
      const std::string upper = KeyTuple(conn, f, b);
      plan.chunks.push_back({index, lower.empty() ? StrCat(key, " <= ", upper)
                                                  : StrCat(key, " > ", lower, " AND ", key, " <= ", upper), false});
      lower = upper;
    }
    plan.chunks.push_back({index, lower.empty() ? "" : StrCat(key, " > ", lower), false});
    return absl::OkStatus();
  }
  // Keyless: page ranges (a TID range scan reads only those pages). The
  // last range is open so it also covers pages added since the estimate.
  // A restart keeps the ranges already read: reading them again would put
  // their rows in the change log twice, and what it could catch (rows moved
  // between ranges since) the slot replays as changes anyway.
  const int64_t pages_per_chunk = std::max<int64_t>(1, (f.pages + chunks - 1) / chunks);
  for (int64_t start = 0; start < f.pages; start += pages_per_chunk) {
    const std::string lower = StrCat("ctid >= '(", start, ",0)'::tid");
    const bool last = start + pages_per_chunk >= f.pages;
    const std::string upper = StrCat("ctid < '(", start + pages_per_chunk, ",0)'::tid");
    plan.chunks.push_back({index, start == 0 ? (last ? "" : upper) : (last ? lower : StrCat(lower, " AND ", upper)),
                           false});
  }
  if (f.pages == 0) plan.chunks.push_back({index, "", false});
  return absl::OkStatus();
}

absl::StatusOr<SnapshotPlan> ResumePlan(Connection& conn, const SnapshotPlan& previous,
                                        const std::vector<TableId>& tables, int64_t chunk_rows) {
  SnapshotPlan plan;
  plan.consistent_point = previous.consistent_point;
  plan.listed_tables_only = previous.listed_tables_only;
  auto wanted = [&](const TableId& id) { return std::find(tables.begin(), tables.end(), id) != tables.end(); };
  // A chunk's number identifies its rows in a change log (the snapshot
  // chunk header): the chunks kept come first, in their order.
  std::vector<TableId> unplanned;
  for (size_t old_index = 0; old_index < previous.tables.size(); ++old_index) {
    const SnapshotTablePlan& t = previous.tables[old_index];
    const bool skipped = t.skipped || !wanted(t.id);
    const size_t index = plan.tables.size();
    const size_t before = plan.chunks.size();
    for (const SnapshotChunk& c : previous.chunks) {
      if (c.table == old_index) plan.chunks.push_back({index, c.predicate, c.done || skipped});
    }
    if (plan.chunks.size() == before) {
      if (!skipped) unplanned.push_back(t.id);
      continue;
    }
    plan.tables.push_back(t);
    plan.tables.back().skipped = skipped;
    // Captured again: read afresh, as a table new to the snapshot.
    if (t.skipped && wanted(t.id)) unplanned.push_back(t.id);
  }
  for (const TableId& id : tables) {
    const bool listed = std::any_of(previous.tables.begin(), previous.tables.end(),
                                    [&](const SnapshotTablePlan& t) { return t.id == id; });
    if (!listed && !previous.listed_tables_only) unplanned.push_back(id);
  }
  for (const TableId& id : unplanned) CDC_RETURN_IF_ERROR(PlanTable(conn, id, chunk_rows, plan));
  return plan;
}

SnapshotPlan TableSnapshotRequest(const std::vector<TableId>& tables) {
  SnapshotPlan plan;
  plan.listed_tables_only = true;
  for (const TableId& id : tables) plan.tables.push_back({id, 0});
  return plan;
}

bool IsTableSnapshotRequest(const SnapshotPlan& plan) {
  return plan.listed_tables_only && plan.consistent_point.value == 0;
}

bool IsTableSnapshotRequest(std::string_view progress) {
  absl::StatusOr<SnapshotPlan> plan = SnapshotPlan::Parse(progress);
  return plan.ok() && IsTableSnapshotRequest(*plan);
}

SnapshotEnd SnapshotPlan::End() const {
  SnapshotEnd end{consistent_point, {}};
  for (const SnapshotTablePlan& t : tables) {
    if (!t.skipped) end.tables.push_back(t.id);
  }
  return end;
}

size_t SnapshotPlan::DoneChunks() const {
  return static_cast<size_t>(std::count_if(chunks.begin(), chunks.end(), [](const SnapshotChunk& c) { return c.done; }));
}

std::string SnapshotPlan::Serialize() const {
  std::string out = StrCat(kHeader, "\n", "consistent_point\t", consistent_point.ToString(), "\n");
  // Older versions cannot read this line: they take a new snapshot of
  // every table instead, which covers the listed ones.
  if (listed_tables_only) out += "listed_tables_only\n";
  for (const auto& t : tables) {
    // The 1: a flag older versions read (see Parse); 1 lets them resume too.
    absl::StrAppend(&out, "table\t", Esc(t.id.schema), "\t", Esc(t.id.table), "\t1\t",
                    t.estimated_rows, "\n");
  }
  // Older versions cannot read this line either; see above.
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].skipped) absl::StrAppend(&out, "skipped\t", i, "\n");
  }
  for (const auto& c : chunks) absl::StrAppend(&out, "chunk\t", c.table, "\t", c.done ? 1 : 0, "\t", Esc(c.predicate), "\n");
  return out;
}

absl::StatusOr<SnapshotPlan> SnapshotPlan::Parse(std::string_view text) {
  SnapshotPlan plan;
  size_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(Piece(text), '\n', absl::SkipEmpty())) {
    ++line_no;
    std::vector<std::string_view> f;
    for (absl::string_view part : absl::StrSplit(line, '\t')) f.emplace_back(part.data(), part.size());
    if (line_no == 1) {
      if (line != Piece(kHeader)) return absl::InvalidArgumentError("snapshot plan: unknown format");
      continue;
    }
    if (f[0] == "consistent_point" && f.size() == 2) {
      CDC_ASSIGN_OR_RETURN(plan.consistent_point, Lsn::Parse(f[1]));
    } else if (f[0] == "listed_tables_only" && f.size() == 1) {
      plan.listed_tables_only = true;
    } else if (f[0] == "table" && f.size() == 5) {
      SnapshotTablePlan t;
      CDC_ASSIGN_OR_RETURN(t.id.schema, Unesc(f[1], line_no));
      CDC_ASSIGN_OR_RETURN(t.id.table, Unesc(f[2], line_no));
      // f[3]: a flag older versions used to read a keyless table whole again
      // after a restart; every table's chunks are kept now.
      CDC_ASSIGN_OR_RETURN(t.estimated_rows, ToInt(f[4], line_no));
      plan.tables.push_back(std::move(t));
    } else if (f[0] == "skipped" && f.size() == 2) {
      CDC_ASSIGN_OR_RETURN(int64_t table, ToInt(f[1], line_no));
      if (table < 0 || static_cast<size_t>(table) >= plan.tables.size()) {
        return absl::InvalidArgumentError(StrCat("snapshot plan line ", line_no, ": unknown table ", table));
      }
      plan.tables[static_cast<size_t>(table)].skipped = true;
    } else if (f[0] == "chunk" && f.size() == 4) {
      SnapshotChunk c;
      CDC_ASSIGN_OR_RETURN(int64_t table, ToInt(f[1], line_no));
      if (table < 0 || static_cast<size_t>(table) >= plan.tables.size()) {
        return absl::InvalidArgumentError(StrCat("snapshot plan line ", line_no, ": unknown table ", table));
      }
      c.table = static_cast<size_t>(table);
      c.done = f[2] == "1";
      CDC_ASSIGN_OR_RETURN(c.predicate, Unesc(f[3], line_no));
      plan.chunks.push_back(std::move(c));
    } else {
      return absl::InvalidArgumentError(StrCat("snapshot plan line ", line_no, ": unexpected '", f[0], "'"));
    }
  }
  if (line_no == 0) return absl::InvalidArgumentError("snapshot plan: empty");
  return plan;
}

}  // namespace cdc::pg
