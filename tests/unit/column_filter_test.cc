#include "pipeline/column_filter.h"

#include <gtest/gtest.h>

namespace cdc {
namespace {

std::shared_ptr<const SourceTable> Users() {
  auto t = std::make_shared<SourceTable>();
  t->id = {"app", "users"};
  t->columns = {{"id", 23, -1, true}, {"email", 25, -1, false}, {"note", 25, -1, false}, {"pin", 23, -1, false}};
  return t;
}

ColumnRule Rule(const std::string& pattern, ColumnRule::Action action, std::string salt = "", int length = 0) {
  return ColumnRule{std::regex(pattern), pattern, action, std::move(salt), length};
}

TEST(ColumnFilter, ExcludesHashesMasksAndTruncates) {
  ColumnFilter filter({Rule("app\\.users\\.pin", ColumnRule::Action::kExclude),
                       Rule("app\\.users\\.email", ColumnRule::Action::kHash, "salt"),
                       Rule("app\\.users\\.note", ColumnRule::Action::kTruncate, "", 2)});
  ChangeEvent e;
  e.table = Users();
  e.after = Row{Datum::Text("1"), Datum::Text("a@b"), Datum::Text("éèx"), Datum::Text("1234")};
  e.before = Row{Datum::Text("1"), Datum::Null(), Datum::UnchangedToast(), Datum::Text("1")};
  ASSERT_TRUE(filter.Apply(e).ok());
  ASSERT_EQ(e.table->columns.size(), 3u);
  EXPECT_EQ(e.table->columns[2].name, "note");
  EXPECT_EQ(e.table->columns[1].type_oid, 25u);
  EXPECT_EQ((*e.after)[1].text, SaltedSha256Hex("salt", "a@b"));
  EXPECT_EQ((*e.after)[1].text.size(), 64u);
  EXPECT_EQ((*e.after)[2].text, "éè");  // two characters, not two bytes
  EXPECT_EQ((*e.before)[1].kind, Datum::Kind::kNull);
  EXPECT_EQ((*e.before)[2].kind, Datum::Kind::kUnchangedToast);
  // Another source table of the same shape is planned on its own.
  ChangeEvent e2;
  e2.table = Users();
  e2.after = Row{Datum::Text("2"), Datum::Text("x"), Datum::Text("y"), Datum::Text("z")};
  ASSERT_TRUE(filter.Apply(e2).ok());
  EXPECT_EQ(e2.table->columns.size(), 3u);
}

TEST(ColumnFilter, KnownSha256AndKeyColumnsRefused) {
  // sha256("abc")
  EXPECT_EQ(SaltedSha256Hex("", "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(SaltedSha256Hex("a", "bc"), SaltedSha256Hex("", "abc"));
  ColumnFilter filter({Rule("app\\.users\\..*", ColumnRule::Action::kMask, "", 3)});
  ChangeEvent e;
  e.table = Users();
  e.after = Row{Datum::Text("1"), Datum::Text("a"), Datum::Text("b"), Datum::Text("c")};
  auto st = filter.Apply(e);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("key column app.users.id"), std::string::npos) << st;
}

}  // namespace
}  // namespace cdc
