// rules/cdb_maker.h: a constant database written as cdbmake and tinycdb
// write it, byte for byte, through a large buffer.
//
// tinycdb's cdb_make writes 4 KiB at a time: a million rules made over
// eight thousand write(2) calls, about a tenth of tcprules' time. The
// format is djb's (cdb(5)): a 2048-byte table of 256 (position, length)
// pairs; the records (key length, data length, key, data); then 256 hash
// tables of (hash, position) slots, twice as many slots as records, each
// record in the slot (hash >> 8) % length or the next free one, records
// placed in the order they were added. The result is the same file
// cdb_make would write (tests/unit/rules/cdb_maker_test.cpp compares).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace jgl {

class CdbMaker {
 public:
  // Writes from the current start of fd (a new, empty file), through a
  // buffer of `buffer` bytes (at least 2048).
  static constexpr std::size_t kDefaultBuffer = 1 << 20;
  explicit CdbMaker(int fd, std::size_t buffer = kDefaultBuffer);
  CdbMaker(const CdbMaker&) = delete;
  CdbMaker& operator=(const CdbMaker&) = delete;

  // Each returns false with errno set when a write fails, or EFBIG when
  // the file would pass the format's 4 GiB.
  bool add(std::string_view key, std::string_view data);
  // The hash tables and the header written; the file is then complete.
  bool finish();

  // djb's hash of a key: tinycdb's cdb_hash, as lookups compute it.
  static std::uint32_t hash(std::string_view key);

 private:
  bool put(const void* bytes, std::size_t size);
  bool flush();

  struct Slot {
    std::uint32_t hash;
    std::uint32_t position;
  };

  int fd_;
  std::uint64_t position_;      // of the next byte to write
  std::vector<Slot> tables_[256];  // each table's records, in the order added
  std::size_t count_ = 0;          // of records in all
  std::size_t size_;               // of the buffer
  std::unique_ptr<char[]> buffer_;  // not cleared: only what is written is read
  std::size_t used_ = 0;
};

}  // namespace jgl
