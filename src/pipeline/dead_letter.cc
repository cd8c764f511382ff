#include "pipeline/dead_letter.h"

#include "core/log.h"
#include "core/strings.h"

namespace cdc {

absl::Status DeadLetterQueue::Send(std::span<const IncomingMessage> messages, const absl::Status& error) {
  if (messages.empty()) return absl::OkStatus();
  std::lock_guard lock(send_mu_);
  failed_ = absl::OkStatus();
  for (const IncomingMessage& m : messages) {
    OutgoingMessage out{topic_, m.key, m.value, m.headers};
    out.headers.emplace_back(kDeadLetterErrorHeader, std::string(error.message()));
    out.headers.emplace_back(kDeadLetterTopicHeader, m.source.topic);
    out.headers.emplace_back(kDeadLetterPartitionHeader, StrCat(m.source.partition));
    out.headers.emplace_back(kDeadLetterOffsetHeader, StrCat(m.offset));
    out.headers.emplace_back(kDeadLetterTimestampHeader, StrCat(m.timestamp_ms));
    absl::Status queued = publisher_.Publish(out, 0);
    // A full local queue drains as deliveries are reported.
    while (absl::IsUnavailable(queued)) {
      publisher_.Poll(100);
      queued = publisher_.Publish(out, 0);
    }
    CDC_RETURN_IF_ERROR(queued);
  }
  CDC_RETURN_IF_ERROR(publisher_.Flush(60000));
  CDC_RETURN_IF_ERROR(failed_);
  // One line per call: a paused table parks whole batches.
  const IncomingMessage& first = messages.front();
  log::Warn("load", "messages sent to the dead-letter topic",
            {{"messages", messages.size()}, {"topic", first.source.topic}, {"partition", first.source.partition},
             {"offset", first.offset}, {"dead_letter_topic", topic_}, {"error", std::string(error.message())}});
  return absl::OkStatus();
}

}  // namespace cdc
