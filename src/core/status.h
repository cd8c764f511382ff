#pragma once
// The one error model of cdcpipe: absl::Status / absl::StatusOr. The code is
// the retry decision (STYLE.md "Errors"):
//   Unavailable        -> retry with backoff
//   Aborted            -> replay from the last checkpoint
//   FailedPrecondition -> stop; the operator must fix something
//   InvalidArgument    -> bad config or input
//   DataLoss           -> stop, never auto-resume
#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CDC_CONCAT_INNER_(a, b) a##b
#define CDC_CONCAT_(a, b) CDC_CONCAT_INNER_(a, b)

#define CDC_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    if (absl::Status _st = (expr); !_st.ok()) {   \
      return _st;                                 \
    }                                             \
  } while (0)

#define CDC_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(*tmp)

#define CDC_ASSIGN_OR_RETURN(lhs, expr) \
  CDC_ASSIGN_OR_RETURN_IMPL_(CDC_CONCAT_(_status_or_, __LINE__), lhs, expr)
