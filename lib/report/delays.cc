// report/delays.cc: delays in log-linear buckets (delays.h).
#include "lib/report/delays.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace jgl {

namespace {

constexpr int kSubBits = 7;
constexpr std::uint64_t kSub = std::uint64_t{1} << kSubBits;  // 128

std::size_t bucket_of(std::uint64_t v) {
  if (v < kSub) return static_cast<std::size_t>(v);
  int k = std::bit_width(v) - 1;  // 2^k <= v < 2^(k+1), k >= 7
  std::uint64_t sub = (v >> (k - kSubBits)) - kSub;
  return static_cast<std::size_t>(kSub + static_cast<std::uint64_t>(k - kSubBits) * kSub + sub);
}

std::uint64_t bucket_start(std::size_t b) {
  if (b < kSub) return b;
  std::uint64_t shift = (b - kSub) / kSub;
  std::uint64_t sub = (b - kSub) % kSub;
  return (kSub + sub) << shift;
}

}  // namespace

void Delays::add(std::uint64_t seconds) {
  std::size_t b = bucket_of(seconds);
  if (b >= buckets_.size()) buckets_.resize(b + 1);
  ++buckets_[b];
  std::size_t c = static_cast<std::size_t>(std::lower_bound(kClassBounds.begin(), kClassBounds.end(), seconds) -
                                           kClassBounds.begin());
  ++classes_[c];
  ++count_;
  sum_ += seconds;
  max_ = std::max(max_, seconds);
}

void Delays::merge(const Delays& other) {
  if (other.buckets_.size() > buckets_.size()) buckets_.resize(other.buckets_.size());
  for (std::size_t b = 0; b < other.buckets_.size(); ++b) buckets_[b] += other.buckets_[b];
  for (std::size_t c = 0; c < kClassCount; ++c) classes_[c] += other.classes_[c];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

std::uint64_t Delays::quantile(double q) const {
  if (count_ == 0) return 0;
  // Nearest rank, ceil(q n), without the float error that would add one.
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_) - 1e-9));
  rank = std::clamp<std::uint64_t>(rank, 1, count_);
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    seen += buckets_[b];
    if (seen >= rank) return std::min(bucket_start(b), max_);
  }
  return max_;
}

}  // namespace jgl
