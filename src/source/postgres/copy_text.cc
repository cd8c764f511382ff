#include "core/strings.h"
#include "source/postgres/copy_text.h"

#include "absl/strings/str_cat.h"

namespace cdc::pg {
namespace {

bool IsOctal(char c) { return c >= '0' && c <= '7'; }
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Datum DecodeField(std::string_view f) {
  if (f == "\\N") return Datum::Null();
  // Most fields have no escape at all: one copy, not a byte at a time.
  size_t first = f.find('\\');
  if (first == std::string_view::npos || first + 1 == f.size()) return Datum::Text(std::string(f));
  std::string out;
  out.reserve(f.size());
  out.append(f.data(), first);
  for (size_t i = first; i < f.size(); ++i) {
    char c = f[i];
    if (c != '\\' || i + 1 == f.size()) {
      out.push_back(c);
      continue;
    }
    char e = f[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'v': out.push_back('\v'); break;
      case 'x': {
        int v = 0, n = 0;
        while (n < 2 && i + 1 < f.size() && HexValue(f[i + 1]) >= 0) v = v * 16 + HexValue(f[++i]), ++n;
        if (n == 0) out.push_back('x');
        else out.push_back(static_cast<char>(v));
        break;
      }
      default:
        if (IsOctal(e)) {
          int v = e - '0', n = 1;
          while (n < 3 && i + 1 < f.size() && IsOctal(f[i + 1])) v = v * 8 + (f[++i] - '0'), ++n;
          out.push_back(static_cast<char>(v));
        } else {
          out.push_back(e);  // \\ and any other escaped char stand for themselves
        }
    }
  }
  return Datum::Text(std::move(out));
}

}  // namespace

absl::StatusOr<Row> ParseCopyTextRow(std::string_view line, size_t expected_columns) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  Row row;
  row.reserve(expected_columns);
  size_t start = 0;
  while (true) {
    size_t tab = line.find('\t', start);
    std::string_view field = line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start);
    row.push_back(DecodeField(field));
    if (tab == std::string_view::npos) break;
    start = tab + 1;
  }
  if (row.size() != expected_columns) {
    return absl::InvalidArgumentError(StrCat("COPY row has ", row.size(), " fields, expected ",
                                                   expected_columns));
  }
  return row;
}

}  // namespace cdc::pg
