#include "source/postgres/pgoutput_decoder.h"

#include <gtest/gtest.h>

#include <string>

namespace cdc::pg {
namespace {

// Builders for hand-made protocol bytes (big-endian, spec/01-pgoutput.md §6).
struct Bytes {
  std::string b;
  Bytes& u8(uint8_t v) { b.push_back(static_cast<char>(v)); return *this; }
  Bytes& u16(uint16_t v) { return u8(v >> 8).u8(v & 0xff); }
  Bytes& u32(uint32_t v) { return u16(v >> 16).u16(v & 0xffff); }
  Bytes& u64(uint64_t v) { return u32(static_cast<uint32_t>(v >> 32)).u32(static_cast<uint32_t>(v)); }
  Bytes& str(const std::string& s) { b += s; b.push_back('\0'); return *this; }
  Bytes& text(const std::string& s) { u8('t').u32(static_cast<uint32_t>(s.size())); b += s; return *this; }
};

Bytes UsersRelation() {
  Bytes r;
  r.u8('R').u32(16385).str("public").str("users").u8('d').u16(2);
  r.u8(1).str("id").u32(23).u32(0xffffffff);
  r.u8(0).str("name").u32(25).u32(0xffffffff);
  return r;
}

TEST(PgOutputDecoder, DecodesRelationFromSpecExample) {
  const Bytes r = UsersRelation();
  ASSERT_EQ(r.b.size(), 47u);  // the size the spec states
  auto m = DecodePgOutput(r.b);
  ASSERT_TRUE(m.ok()) << m.status();
  const auto& rel = std::get<RelationMessage>(*m).table;
  EXPECT_EQ(rel.relation_id, 16385u);
  EXPECT_EQ(rel.id.schema, "public");
  EXPECT_EQ(rel.id.table, "users");
  EXPECT_EQ(rel.replica_identity, 'd');
  ASSERT_EQ(rel.columns.size(), 2u);
  EXPECT_TRUE(rel.columns[0].key);
  EXPECT_EQ(rel.columns[0].type_oid, 23u);
  EXPECT_EQ(rel.columns[0].type_modifier, -1);
  EXPECT_FALSE(rel.columns[1].key);
  EXPECT_EQ(rel.columns[1].name, "name");
}

TEST(PgOutputDecoder, DecodesBeginAndCommit) {
  Bytes b;
  b.u8('B').u64(0x16B3780).u64(0x0002B1F9859C3000ULL).u32(750);
  auto begin = DecodePgOutput(b.b);
  ASSERT_TRUE(begin.ok()) << begin.status();
  EXPECT_EQ(std::get<BeginMessage>(*begin).final_lsn.value, 0x16B3780u);
  EXPECT_EQ(std::get<BeginMessage>(*begin).xid, 750u);
  EXPECT_EQ(std::get<BeginMessage>(*begin).commit_time, 758635200000000LL);

  Bytes c;
  c.u8('C').u8(0).u64(0x16B3780).u64(0x16B37B0).u64(0x0002B1F9859C3000ULL);
  ASSERT_EQ(c.b.size(), 26u);
  auto commit = DecodePgOutput(c.b);
  ASSERT_TRUE(commit.ok()) << commit.status();
  EXPECT_EQ(std::get<CommitMessage>(*commit).commit_lsn.value, 0x16B3780u);
  EXPECT_EQ(std::get<CommitMessage>(*commit).end_lsn.value, 0x16B37B0u);
}

TEST(PgOutputDecoder, DecodesInsertWithNullAndText) {
  Bytes b;
  b.u8('I').u32(16385).u8('N').u16(2).text("1").u8('n');
  auto m = DecodePgOutput(b.b);
  ASSERT_TRUE(m.ok()) << m.status();
  const auto& ins = std::get<InsertMessage>(*m);
  ASSERT_EQ(ins.new_tuple.size(), 2u);
  EXPECT_EQ(ins.new_tuple[0], Datum::Text("1"));
  EXPECT_EQ(ins.new_tuple[1], Datum::Null());
}

TEST(PgOutputDecoder, DecodesUpdateWithOldKeyAndUnchangedToast) {
  // The spec's example: id 1 -> 2, name unchanged and TOASTed.
  Bytes b;
  b.u8('U').u32(16385).u8('K').u16(2).text("1").u8('n').u8('N').u16(2).text("2").u8('u');
  ASSERT_EQ(b.b.size(), 25u);
  auto m = DecodePgOutput(b.b);
  ASSERT_TRUE(m.ok()) << m.status();
  const auto& up = std::get<UpdateMessage>(*m);
  EXPECT_EQ(up.old_kind, 'K');
  ASSERT_TRUE(up.old_tuple.has_value());
  EXPECT_EQ((*up.old_tuple)[0], Datum::Text("1"));
  EXPECT_EQ(up.new_tuple[0], Datum::Text("2"));
  EXPECT_EQ(up.new_tuple[1].kind, Datum::Kind::kUnchangedToast);
}

TEST(PgOutputDecoder, DecodesUpdateWithoutOldTuple) {
  Bytes b;
  b.u8('U').u32(7).u8('N').u16(1).text("x");
  auto m = DecodePgOutput(b.b);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(std::get<UpdateMessage>(*m).old_tuple.has_value());
}

TEST(PgOutputDecoder, DecodesDeleteFromSpecExample) {
  Bytes b;
  b.u8('D').u32(16385).u8('K').u16(2).text("2").u8('n');
  ASSERT_EQ(b.b.size(), 15u);
  auto m = DecodePgOutput(b.b);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(std::get<DeleteMessage>(*m).old_tuple[0], Datum::Text("2"));
}

TEST(PgOutputDecoder, DecodesTruncateAndMessage) {
  Bytes t;
  t.u8('T').u32(2).u8(1).u32(10).u32(11);
  auto tm = DecodePgOutput(t.b);
  ASSERT_TRUE(tm.ok()) << tm.status();
  EXPECT_EQ(std::get<TruncateMessage>(*tm).relation_ids, (std::vector<uint32_t>{10, 11}));

  Bytes msg;
  msg.u8('M').u8(1).u64(42).str("pfx").u32(3);
  msg.b += "abc";
  auto mm = DecodePgOutput(msg.b);
  ASSERT_TRUE(mm.ok()) << mm.status();
  EXPECT_EQ(std::get<LogicalMessage>(*mm).prefix, "pfx");
  EXPECT_EQ(std::get<LogicalMessage>(*mm).content, "abc");
  EXPECT_TRUE(std::get<LogicalMessage>(*mm).transactional);
}

TEST(PgOutputDecoder, RejectsEveryTruncationOfValidMessages) {
  Bytes ins;
  ins.u8('I').u32(16385).u8('N').u16(2).text("1").text("alice");
  Bytes up;
  up.u8('U').u32(16385).u8('K').u16(2).text("1").u8('n').u8('N').u16(2).text("2").u8('u');
  Bytes commit;
  commit.u8('C').u8(0).u64(1).u64(2).u64(3);
  for (const std::string& whole : {UsersRelation().b, ins.b, up.b, commit.b}) {
    for (size_t n = 0; n < whole.size(); ++n) {
      auto m = DecodePgOutput(whole.substr(0, n));
      EXPECT_FALSE(m.ok()) << "prefix of " << n << " bytes decoded";
      if (!m.ok()) {
        EXPECT_EQ(m.status().code(), absl::StatusCode::kInvalidArgument);
      }
    }
  }
}

TEST(PgOutputDecoder, RejectsTrailingBytes) {
  Bytes b;
  b.u8('D').u32(1).u8('K').u16(1).text("2").u8('x');
  auto m = DecodePgOutput(b.b);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(std::string(m.status().message()).find("trailing"), std::string::npos);
}

TEST(PgOutputDecoder, RejectsMalformedFields) {
  Bytes bad_kind;
  bad_kind.u8('I').u32(1).u8('N').u16(1).u8('z');
  EXPECT_FALSE(DecodePgOutput(bad_kind.b).ok());

  Bytes negative_len;
  negative_len.u8('I').u32(1).u8('N').u16(1).u8('t').u32(0xffffffff);
  EXPECT_FALSE(DecodePgOutput(negative_len.b).ok());

  Bytes huge_len;
  huge_len.u8('I').u32(1).u8('N').u16(1).u8('t').u32(0x7fffffff).u8('a');
  EXPECT_FALSE(DecodePgOutput(huge_len.b).ok());

  Bytes bad_marker;
  bad_marker.u8('I').u32(1).u8('X').u16(0);
  EXPECT_FALSE(DecodePgOutput(bad_marker.b).ok());

  Bytes too_many_cols;
  too_many_cols.u8('I').u32(1).u8('N').u16(60000);
  EXPECT_FALSE(DecodePgOutput(too_many_cols.b).ok());

  Bytes unterminated;
  unterminated.u8('R').u32(1).u8('p').u8('u');
  EXPECT_FALSE(DecodePgOutput(unterminated.b).ok());

  Bytes bad_identity = UsersRelation();
  bad_identity.b[1 + 4 + 7 + 6] = 'q';
  EXPECT_FALSE(DecodePgOutput(bad_identity.b).ok());

  Bytes truncate_overflow;
  truncate_overflow.u8('T').u32(0x40000000).u8(0).u32(1);
  EXPECT_FALSE(DecodePgOutput(truncate_overflow.b).ok());

  EXPECT_FALSE(DecodePgOutput("").ok());
  EXPECT_FALSE(DecodePgOutput("S").ok());  // streaming: not in protocol 1
}

TEST(ReplicationFrame, DecodesXLogDataAndKeepalive) {
  Bytes w;
  w.u8('w').u64(0x16B3748).u64(0x16B3748).u64(0x0002B1F9859C3000ULL).u8('I');
  auto f = DecodeReplicationFrame(w.b);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(std::get<XLogData>(*f).data_start.value, 0x16B3748u);
  EXPECT_EQ(std::get<XLogData>(*f).payload, "I");

  Bytes k;
  k.u8('k').u64(0x16B37B0).u64(0x0002B1F9859C3000ULL).u8(1);
  auto kf = DecodeReplicationFrame(k.b);
  ASSERT_TRUE(kf.ok()) << kf.status();
  EXPECT_TRUE(std::get<Keepalive>(*kf).reply_requested);
  EXPECT_EQ(std::get<Keepalive>(*kf).wal_end.value, 0x16B37B0u);

  EXPECT_FALSE(DecodeReplicationFrame(k.b.substr(0, 10)).ok());
  EXPECT_FALSE(DecodeReplicationFrame(w.b.substr(0, 20)).ok());
  EXPECT_FALSE(DecodeReplicationFrame("q").ok());
}

TEST(ReplicationFrame, EncodesStandbyStatusUpdateLikeSpec) {
  const std::string r = EncodeStandbyStatusUpdate(Lsn{0x16B37B0}, Lsn{0x16B37B0}, Lsn{0x16B37B0}, 5, false);
  ASSERT_EQ(r.size(), 34u);
  EXPECT_EQ(r[0], 'r');
  Bytes want;
  want.u8('r').u64(0x16B37B0).u64(0x16B37B0).u64(0x16B37B0).u64(5).u8(0);
  EXPECT_EQ(r, want.b);
}

}  // namespace
}  // namespace cdc::pg
