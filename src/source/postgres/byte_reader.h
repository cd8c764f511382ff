#pragma once
// Bounds-checked big-endian reader for replication protocol bytes. Every read
// fails with InvalidArgument naming what was being read; it never reads past
// the buffer.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "core/strings.h"
#include "absl/strings/str_cat.h"
#include "core/status.h"

namespace cdc::pg {

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t position() const { return pos_; }

  absl::StatusOr<uint8_t> U8(std::string_view what) {
    CDC_RETURN_IF_ERROR(Need(1, what));
    return static_cast<uint8_t>(bytes_[pos_++]);
  }
  absl::StatusOr<uint16_t> U16(std::string_view what) { return BigEndian<uint16_t>(what); }
  absl::StatusOr<uint32_t> U32(std::string_view what) { return BigEndian<uint32_t>(what); }
  absl::StatusOr<uint64_t> U64(std::string_view what) { return BigEndian<uint64_t>(what); }
  absl::StatusOr<int16_t> I16(std::string_view what) {
    CDC_ASSIGN_OR_RETURN(uint16_t v, U16(what));
    return static_cast<int16_t>(v);
  }
  absl::StatusOr<int32_t> I32(std::string_view what) {
    CDC_ASSIGN_OR_RETURN(uint32_t v, U32(what));
    return static_cast<int32_t>(v);
  }
  absl::StatusOr<int64_t> I64(std::string_view what) {
    CDC_ASSIGN_OR_RETURN(uint64_t v, U64(what));
    return static_cast<int64_t>(v);
  }

  /// A NUL-terminated string.
  absl::StatusOr<std::string_view> CString(std::string_view what) {
    const void* nul = std::memchr(bytes_.data() + pos_, '\0', remaining());
    if (nul == nullptr) {
      return absl::InvalidArgumentError(
          StrCat("unterminated string for ", what, " at byte ", pos_));
    }
    const size_t len = static_cast<const char*>(nul) - (bytes_.data() + pos_);
    std::string_view out = bytes_.substr(pos_, len);
    pos_ += len + 1;
    return out;
  }

  absl::StatusOr<std::string_view> Bytes(size_t n, std::string_view what) {
    CDC_RETURN_IF_ERROR(Need(n, what));
    std::string_view out = bytes_.substr(pos_, n);
    pos_ += n;
    return out;
  }

  std::string_view Rest() {
    std::string_view out = bytes_.substr(pos_);
    pos_ = bytes_.size();
    return out;
  }

 private:
  absl::Status Need(size_t n, std::string_view what) const {
    if (remaining() < n) {
      return absl::InvalidArgumentError(StrCat("truncated message: ", what, " needs ", n,
                                                     " bytes at byte ", pos_, ", ", remaining(),
                                                     " left"));
    }
    return absl::OkStatus();
  }

  template <typename T>
  absl::StatusOr<T> BigEndian(std::string_view what) {
    CDC_RETURN_IF_ERROR(Need(sizeof(T), what));
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i) {
      v = static_cast<T>((v << 8) | static_cast<uint8_t>(bytes_[pos_ + i]));
    }
    pos_ += sizeof(T);
    return v;
  }

  std::string_view bytes_;
  size_t pos_ = 0;
};

}  // namespace cdc::pg
