// cdb_maker_test.cpp: CdbMaker writes the very file tinycdb's cdb_make
// writes for the same records, and cdb lookups find every record in it.
#include "lib/rules/cdb_maker.h"

#include <cdb.h>
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace {

using Records = std::vector<std::pair<std::string, std::string>>;

// The whole content of an unlinked file written by `write(fd)`.
template <typename Write>
std::string written(Write&& write) {
  char name[] = "/tmp/cdb_maker_test.XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  ::unlink(name);
  write(fd);
  off_t size = ::lseek(fd, 0, SEEK_END);
  std::string out(static_cast<std::size_t>(size), '\0');
  REQUIRE(::pread(fd, out.data(), out.size(), 0) == size);
  ::close(fd);
  return out;
}

std::string ours(const Records& records) {
  return written([&](int fd) {
    jgl::CdbMaker maker(fd);
    for (const auto& [key, data] : records) REQUIRE(maker.add(key, data));
    REQUIRE(maker.finish());
  });
}

std::string tinycdb(const Records& records) {
  return written([&](int fd) {
    cdb_make make;
    REQUIRE(cdb_make_start(&make, fd) == 0);
    for (const auto& [key, data] : records) {
      REQUIRE(cdb_make_add(&make, key.data(), static_cast<unsigned>(key.size()), data.data(),
                           static_cast<unsigned>(data.size())) == 0);
    }
    REQUIRE(cdb_make_finish(&make) == 0);
  });
}

// Random records: short keys from a small alphabet, so that keys repeat
// and hash slots collide; data of any bytes, sometimes empty.
Records random_records(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  Records records;
  for (std::size_t i = 0; i < n; ++i) {
    std::string key(rng() % 6, '\0'), data(rng() % 4 == 0 ? 0 : rng() % 40, '\0');
    for (char& c : key) c = static_cast<char>('a' + rng() % 4);
    for (char& c : data) c = static_cast<char>(rng() % 256);
    records.emplace_back(std::move(key), std::move(data));
  }
  return records;
}

}  // namespace

TEST_CASE("CdbMaker writes what tinycdb's cdb_make writes", "[rules][cdb]") {
  REQUIRE(ours({}) == tinycdb({}));
  REQUIRE(ours({{"", ""}}) == tinycdb({{"", ""}}));
  REQUIRE(ours({{"1.2.3.4", "+"}, {"1.2.3.", "-"}, {"", "+"}}) == tinycdb({{"1.2.3.4", "+"}, {"1.2.3.", "-"}, {"", "+"}}));
  for (unsigned seed = 1; seed <= 20; ++seed) {
    Records records = random_records(seed * 97, seed);
    INFO("seed " << seed << ", " << records.size() << " records");
    REQUIRE(ours(records) == tinycdb(records));
  }
  // Past the 1 MiB buffer, and many records in every table.
  Records big = random_records(200000, 99);
  REQUIRE(ours(big) == tinycdb(big));
  // Smaller buffers (the least is the header's 2048 bytes): the same file.
  Records some = random_records(3000, 7);
  std::string expected = tinycdb(some);
  for (std::size_t buffer : {0, 1, 2048, 2049, 4096, 65536}) {
    INFO("buffer " << buffer);
    REQUIRE(written([&](int fd) {
              jgl::CdbMaker maker(fd, buffer);
              for (const auto& [key, data] : some) REQUIRE(maker.add(key, data));
              REQUIRE(maker.finish());
            }) == expected);
  }
}

TEST_CASE("every record CdbMaker wrote is found by cdb lookups", "[rules][cdb]") {
  Records records;
  for (int i = 0; i < 5000; ++i) records.emplace_back("key" + std::to_string(i), "data" + std::to_string(i * 7));
  std::string file = ours(records);
  char name[] = "/tmp/cdb_maker_test.XXXXXX";
  int fd = ::mkstemp(name);
  REQUIRE(fd >= 0);
  ::unlink(name);
  REQUIRE(::write(fd, file.data(), file.size()) == static_cast<ssize_t>(file.size()));
  cdb db;
  REQUIRE(cdb_init(&db, fd) == 0);
  for (const auto& [key, data] : records) {
    INFO(key);
    REQUIRE(cdb_find(&db, key.data(), static_cast<unsigned>(key.size())) > 0);
    std::string found(cdb_datalen(&db), '\0');
    REQUIRE(cdb_read(&db, found.data(), cdb_datalen(&db), cdb_datapos(&db)) == 0);
    REQUIRE(found == data);
  }
  REQUIRE(cdb_find(&db, "absent", 6) == 0);
  cdb_free(&db);
  ::close(fd);
}

TEST_CASE("CdbMaker says when a write fails", "[rules][cdb]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  ::close(fds[1]);
  // A read end: every write fails with EBADF, at the latest when finishing.
  jgl::CdbMaker maker(fds[0]);
  bool ok = maker.add("key", "data") && maker.finish();
  int e = errno;
  ::close(fds[0]);
  REQUIRE_FALSE(ok);
  REQUIRE(e == EBADF);
}

TEST_CASE("CdbMaker's hash is djb's, as cdb lookups compute it", "[rules][cdb]") {
  REQUIRE(jgl::CdbMaker::hash("") == 5381u);
  for (const std::string& key : std::vector<std::string>{"a", "1.2.3.4", "=mail.example.org", std::string("\xff\x00z", 3)}) {
    REQUIRE(jgl::CdbMaker::hash(key) == cdb_hash(key.data(), static_cast<unsigned>(key.size())));
  }
}
