// rules/cdb_maker.cc: see cdb_maker.h.
#include "lib/rules/cdb_maker.h"

#include <cdb.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace jgl {
namespace {

constexpr std::size_t kHeader = 2048;
constexpr std::uint64_t kLimit = 0xffffffffULL;

void put_u32(unsigned char* at, std::uint32_t v) {
  at[0] = static_cast<unsigned char>(v);
  at[1] = static_cast<unsigned char>(v >> 8);
  at[2] = static_cast<unsigned char>(v >> 16);
  at[3] = static_cast<unsigned char>(v >> 24);
}

bool write_all(int fd, const char* bytes, std::size_t size) {
  while (size > 0) {
    ssize_t n = write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

CdbMaker::CdbMaker(int fd, std::size_t buffer)
    : fd_(fd), position_(kHeader), size_(std::max(buffer, kHeader)), buffer_(new char[size_]) {
  // The header's place, filled in by finish().
  std::memset(buffer_.get(), 0, kHeader);
  used_ = kHeader;
}

std::uint32_t CdbMaker::hash(std::string_view key) {
  return cdb_hash(key.data(), static_cast<unsigned>(key.size()));
}

bool CdbMaker::flush() {
  if (!write_all(fd_, buffer_.get(), used_)) return false;
  used_ = 0;
  return true;
}

bool CdbMaker::put(const void* bytes, std::size_t size) {
  const char* from = static_cast<const char*>(bytes);
  while (size > 0) {
    if (used_ == size_ && !flush()) return false;
    std::size_t n = std::min(size, size_ - used_);
    std::memcpy(buffer_.get() + used_, from, n);
    used_ += n;
    from += n;
    size -= n;
  }
  return true;
}

bool CdbMaker::add(std::string_view key, std::string_view data) {
  std::uint64_t end = position_ + 8 + key.size() + data.size();
  // The hash tables that follow need 16 bytes a record more.
  if (end > kLimit || end + 16 * (count_ + 1) > kLimit || key.size() > kLimit || data.size() > kLimit) {
    errno = EFBIG;
    return false;
  }
  unsigned char lengths[8];
  put_u32(lengths, static_cast<std::uint32_t>(key.size()));
  put_u32(lengths + 4, static_cast<std::uint32_t>(data.size()));
  if (!put(lengths, sizeof lengths) || !put(key.data(), key.size()) || !put(data.data(), data.size())) return false;
  std::uint32_t h = hash(key);
  tables_[h & 255].push_back({h, static_cast<std::uint32_t>(position_)});
  ++count_;
  position_ = end;
  return true;
}

bool CdbMaker::finish() {
  unsigned char header[kHeader];
  std::vector<Slot> slots;
  std::vector<unsigned char> bytes;
  for (std::size_t t = 0; t < 256; ++t) {
    std::vector<Slot>& records = tables_[t];
    auto length = static_cast<std::uint32_t>(records.size() * 2);
    put_u32(header + 8 * t, static_cast<std::uint32_t>(position_));
    put_u32(header + 8 * t + 4, length);
    slots.assign(length, Slot{0, 0});
    for (const Slot& r : records) {
      std::uint32_t where = (r.hash >> 8) % length;
      while (slots[where].position != 0) {
        if (++where == length) where = 0;
      }
      slots[where] = r;
    }
    std::vector<Slot>().swap(records);
    bytes.resize(8 * static_cast<std::size_t>(length));
    for (std::uint32_t i = 0; i < length; ++i) {
      put_u32(&bytes[8 * i], slots[i].hash);
      put_u32(&bytes[8 * i + 4], slots[i].position);
    }
    if (!put(bytes.data(), bytes.size())) return false;
    position_ += 8ULL * length;
  }
  if (!flush()) return false;
  for (std::size_t done = 0; done < kHeader;) {
    ssize_t n = pwrite(fd_, header + done, kHeader - done, static_cast<off_t>(done));
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace jgl
