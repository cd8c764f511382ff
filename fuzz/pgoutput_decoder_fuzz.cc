// libFuzzer target for the pgoutput decoder (src/source/postgres). The input
// is untrusted replication bytes: the decoder must return a status for every
// input, never crash, read out of bounds or allocate without bound. Each
// input is tried as a whole CopyData frame and as a bare pgoutput payload.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "source/postgres/pgoutput_decoder.h"

namespace {

// Touches every decoded field so that a bogus view or length is read (and
// reported by AddressSanitizer) here rather than silently ignored.
size_t Consume(const cdc::Row& row) {
  size_t n = 0;
  for (const auto& d : row) n += d.text.size() + static_cast<size_t>(d.kind);
  return n;
}

size_t Consume(const cdc::pg::PgOutputMessage& m) {
  using namespace cdc::pg;
  if (const auto* r = std::get_if<RelationMessage>(&m)) {
    size_t n = r->table.id.schema.size() + r->table.id.table.size();
    for (const auto& c : r->table.columns) n += c.name.size() + c.type_oid;
    return n;
  }
  if (const auto* i = std::get_if<InsertMessage>(&m)) return Consume(i->new_tuple);
  if (const auto* u = std::get_if<UpdateMessage>(&m)) {
    return Consume(u->new_tuple) + (u->old_tuple ? Consume(*u->old_tuple) : 0);
  }
  if (const auto* d = std::get_if<DeleteMessage>(&m)) return Consume(d->old_tuple);
  if (const auto* t = std::get_if<TruncateMessage>(&m)) return t->relation_ids.size();
  if (const auto* l = std::get_if<LogicalMessage>(&m)) return l->prefix.size() + l->content.size();
  if (const auto* o = std::get_if<OriginMessage>(&m)) return o->name.size();
  if (const auto* y = std::get_if<TypeMessage>(&m)) return y->schema.size() + y->name.size();
  return 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  volatile size_t sink = 0;
  auto frame = cdc::pg::DecodeReplicationFrame(bytes);
  if (frame.ok()) {
    if (const auto* x = std::get_if<cdc::pg::XLogData>(&*frame)) {
      auto m = cdc::pg::DecodePgOutput(x->payload);
      if (m.ok()) sink = sink + Consume(*m);
    }
  }
  auto m = cdc::pg::DecodePgOutput(bytes);
  if (m.ok()) sink = sink + Consume(*m);
  (void)sink;
  return 0;
}
