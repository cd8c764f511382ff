#pragma once
#include <memory>
#include <optional>

#include "core/message.h"
#include "core/status.h"
#include "core/warehouse_change.h"

namespace cdc {

/// Decodes a consumed message into a typed row change.
/// Not thread-safe (decoders cache table schemas).
class EventDecoder {
 public:
  virtual ~EventDecoder() = default;

  /// Returns nullopt for messages that carry no row change (tombstones).
  /// InvalidArgument, naming topic/partition/offset, for messages that cannot
  /// be decoded: the caller dead-letters them.
  virtual absl::StatusOr<std::optional<RowChange>> Decode(const IncomingMessage& message) = 0;

  /// A fresh decoder with the same options, for another thread.
  virtual std::unique_ptr<EventDecoder> Clone() const = 0;
};

}  // namespace cdc
