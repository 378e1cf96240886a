// report/delays.h: how long greylisted mail waited, kept in bounded memory.
//
// A report reads logs of any size, so it cannot keep every delay. Delays
// (whole seconds) are counted in log-linear buckets: each one exactly
// below 128 s, then 128 buckets for each power of two, less than 0.8%
// wide: 300 s, 600 s, 900 s, 3600 s and 7200 s fall on a bucket's start
// and are kept exactly. A quantile is by nearest rank (the smallest delay
// at or above which a share q of all lies) and given as its bucket's
// start; the maximum, the count and the sum are exact. The same delays
// are counted in fixed classes too (kClassBounds), for a Prometheus
// histogram and the plot.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace jgl {

// The classes' upper bounds in seconds ("at most"); one more class above.
inline constexpr std::array<std::uint64_t, 11> kClassBounds = {60,   120,  300,   600,   1200, 1800,
                                                              3600, 7200, 14400, 28800, 86400};
inline constexpr std::size_t kClassCount = kClassBounds.size() + 1;

class Delays {
 public:
  void add(std::uint64_t seconds);
  void merge(const Delays& other);

  std::uint64_t count() const { return count_; }
  std::uint64_t sum() const { return sum_; }
  std::uint64_t max() const { return max_; }
  // 0 < q <= 1; 0 when nothing was added.
  std::uint64_t quantile(double q) const;
  // The delays in each class: [0] at most kClassBounds[0], ..., the last
  // above kClassBounds.back().
  const std::array<std::uint64_t, kClassCount>& classes() const { return classes_; }

 private:
  std::vector<std::uint32_t> buckets_;  // grown to the largest bucket used
  std::array<std::uint64_t, kClassCount> classes_{};
  std::uint64_t count_ = 0, sum_ = 0, max_ = 0;
};

}  // namespace jgl
