#include "pipeline/column_filter.h"

#include <openssl/evp.h>

#include "core/strings.h"

namespace cdc {
namespace {

constexpr uint32_t kTextOid = 25;

// At most `n` characters of UTF-8 text (never cutting a character).
std::string TruncateUtf8(const std::string& s, int n) {
  size_t i = 0;
  for (int chars = 0; i < s.size() && chars < n; ++chars) {
    ++i;
    while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  }
  return s.substr(0, i);
}

}  // namespace

std::string SaltedSha256Hex(std::string_view salt, std::string_view value) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, salt.data(), salt.size());
  EVP_DigestUpdate(ctx, value.data(), value.size());
  EVP_DigestFinal_ex(ctx, digest, &len);
  EVP_MD_CTX_free(ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

absl::StatusOr<const ColumnFilter::TablePlan*> ColumnFilter::PlanFor(const std::shared_ptr<const SourceTable>& table) {
  auto it = plans_.find(table.get());
  if (it != plans_.end()) return &it->second;
  TablePlan plan;
  plan.in = table;
  auto out = std::make_shared<SourceTable>(*table);
  out->columns.clear();
  bool changed = false;
  for (size_t i = 0; i < table->columns.size(); ++i) {
    const SourceColumn& c = table->columns[i];
    const std::string name = StrCat(table->id.schema, ".", table->id.table, ".", c.name);
    const ColumnRule* rule = nullptr;
    for (const ColumnRule& r : rules_) {
      if (std::regex_match(name, r.columns)) {
        rule = &r;
        break;
      }
    }
    if (rule && c.key) {
      return absl::FailedPreconditionError(StrCat("column rule '", rule->pattern, "' matches key column ", name,
                                                  ": key columns cannot be excluded or masked"));
    }
    if (rule && rule->action == ColumnRule::Action::kExclude) {
      changed = true;
      continue;
    }
    SourceColumn kept = c;
    if (rule) {
      // A masked value is text whatever the column held.
      kept.type_oid = kTextOid;
      kept.type_modifier = -1;
      kept.type = nullptr;
      changed = true;
    }
    out->columns.push_back(std::move(kept));
    plan.kept.push_back(i);
    plan.mask.push_back(rule);
  }
  if (changed) plan.out = std::move(out);
  return &plans_.emplace(table.get(), std::move(plan)).first->second;
}

void ColumnFilter::Rewrite(const TablePlan& plan, Row& row) const {
  Row out;
  out.reserve(plan.kept.size());
  for (size_t n = 0; n < plan.kept.size(); ++n) {
    Datum d = std::move(row[plan.kept[n]]);
    const ColumnRule* rule = plan.mask[n];
    if (rule && d.kind == Datum::Kind::kText) {
      switch (rule->action) {
        case ColumnRule::Action::kHash: d.text = SaltedSha256Hex(rule->salt, d.text); break;
        case ColumnRule::Action::kMask: d.text = std::string(static_cast<size_t>(rule->length), '*'); break;
        case ColumnRule::Action::kTruncate: d.text = TruncateUtf8(d.text, rule->length); break;
        case ColumnRule::Action::kExclude: break;
      }
    }
    out.push_back(std::move(d));
  }
  row = std::move(out);
}

absl::Status ColumnFilter::Apply(ChangeEvent& e) {
  if (rules_.empty() || !e.table) return absl::OkStatus();
  CDC_ASSIGN_OR_RETURN(const TablePlan* plan, PlanFor(e.table));
  if (!plan->out) return absl::OkStatus();
  if (e.before) Rewrite(*plan, *e.before);
  if (e.after) Rewrite(*plan, *e.after);
  e.table = plan->out;
  return absl::OkStatus();
}

}  // namespace cdc
