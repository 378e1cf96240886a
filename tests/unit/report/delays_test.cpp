// delays_test.cpp: delays counted in buckets, quantiles by nearest rank.
#include "lib/report/delays.h"

#include <catch2/catch.hpp>

using jgl::Delays;

TEST_CASE("no delays: every figure is 0") {
  Delays d;
  CHECK(d.count() == 0);
  CHECK(d.quantile(0.5) == 0);
  CHECK(d.max() == 0);
}

TEST_CASE("quantiles are by nearest rank over the delays given") {
  Delays d;
  // 1..10 minutes: the median is the 5th, p90 the 9th, p99 the 10th.
  for (int m = 1; m <= 10; ++m) d.add(static_cast<std::uint64_t>(m) * 60);
  CHECK(d.count() == 10);
  CHECK(d.sum() == 3300);
  CHECK(d.quantile(0.5) == 300);
  CHECK(d.quantile(0.9) == 540);
  CHECK(d.quantile(0.99) == 600);
  CHECK(d.max() == 600);
}

TEST_CASE("round delays are kept exactly, others to less than 0.8%") {
  for (std::uint64_t v : {0ull, 1ull, 127ull, 128ull, 300ull, 900ull, 3600ull, 7200ull}) {
    Delays d;
    d.add(v);
    d.add(v + 1'000'000);
    INFO(v);
    CHECK(d.quantile(0.5) == v);
  }
  Delays d;
  d.add(86399);
  d.add(1'000'000);
  CHECK(d.quantile(0.5) <= 86399);
  CHECK(d.quantile(0.5) * 1008 / 1000 >= 86399);
}

TEST_CASE("the classes count at most each bound, and above the last") {
  Delays d;
  for (std::uint64_t v : {60ull, 61ull, 120ull, 86400ull, 86401ull}) d.add(v);
  CHECK(d.classes()[0] == 1);
  CHECK(d.classes()[1] == 2);
  CHECK(d.classes()[jgl::kClassCount - 2] == 1);
  CHECK(d.classes()[jgl::kClassCount - 1] == 1);
}

TEST_CASE("merged delays are the union of both") {
  Delays a, b;
  a.add(60);
  b.add(600);
  b.add(3600);
  a.merge(b);
  CHECK(a.count() == 3);
  CHECK(a.quantile(0.5) == 600);
  CHECK(a.max() == 3600);
}
