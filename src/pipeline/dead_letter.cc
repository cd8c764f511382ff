#include "pipeline/dead_letter.h"

#include "core/log.h"
#include "core/strings.h"

namespace cdc {

absl::Status DeadLetterQueue::Send(const IncomingMessage& m, const absl::Status& error) {
  OutgoingMessage out{topic_, m.key, m.value, m.headers};
  out.headers.emplace_back(kDeadLetterErrorHeader, std::string(error.message()));
  out.headers.emplace_back(kDeadLetterTopicHeader, m.source.topic);
  out.headers.emplace_back(kDeadLetterPartitionHeader, StrCat(m.source.partition));
  out.headers.emplace_back(kDeadLetterOffsetHeader, StrCat(m.offset));
  out.headers.emplace_back(kDeadLetterTimestampHeader, StrCat(m.timestamp_ms));
  last_ = absl::UnknownError("no delivery report");
  CDC_RETURN_IF_ERROR(publisher_.Publish(out, 0));
  CDC_RETURN_IF_ERROR(publisher_.Flush(60000));
  CDC_RETURN_IF_ERROR(last_);
  log::Warn("load", "message sent to the dead-letter topic",
            {{"topic", m.source.topic}, {"partition", m.source.partition}, {"offset", m.offset},
             {"dead_letter_topic", topic_}, {"error", std::string(error.message())}});
  return absl::OkStatus();
}

}  // namespace cdc
