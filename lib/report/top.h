// report/top.h: the names seen most often, in bounded memory.
//
// A spammer's log can name a million networks or sender domains; a report
// wants the ten most frequent. TopCounts keeps at most `capacity` names
// ("space saving", Metwally et al. 2005): a new name when full replaces
// the least counted one and starts from its count, so that a name seen
// more than (all counts) / capacity times is always kept; counts are then
// upper bounds, and approximate() says so. A payload (the delays of a
// sender domain) starts afresh with the name.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace jgl {

struct NoPayload {};

template <class Payload = NoPayload>
class TopCounts {
 public:
  struct Item {
    std::string name;
    std::uint64_t count = 0;
    Payload payload{};
  };

  explicit TopCounts(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

  // Counts `n` more of `name`; its payload.
  Payload& add(std::string_view name, std::uint64_t n = 1) {
    if (auto found = index_.find(name); found != index_.end()) {
      Item& item = items_[found->second];
      order_.erase({item.count, found->second});
      item.count += n;
      order_.insert({item.count, found->second});
      return item.payload;
    }
    std::size_t i;
    std::uint64_t base = 0;
    if (items_.size() < capacity_) {
      i = items_.size();
      items_.emplace_back();
    } else {
      auto least = order_.begin();
      base = least->first;
      i = least->second;
      order_.erase(least);
      index_.erase(items_[i].name);
      items_[i] = Item{};
      approximate_ = true;
    }
    items_[i].name = std::string(name);
    items_[i].count = base + n;
    index_.emplace(items_[i].name, i);
    order_.insert({items_[i].count, i});
    return items_[i].payload;
  }

  // The `n` most counted, most first, then by name.
  std::vector<const Item*> top(std::size_t n) const {
    std::vector<const Item*> all;
    all.reserve(items_.size());
    for (const Item& item : items_) all.push_back(&item);
    std::sort(all.begin(), all.end(), [](const Item* a, const Item* b) {
      return a->count != b->count ? a->count > b->count : a->name < b->name;
    });
    if (all.size() > n) all.resize(n);
    return all;
  }

  std::size_t size() const { return items_.size(); }
  bool approximate() const { return approximate_; }

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::size_t capacity_;
  std::vector<Item> items_;
  std::unordered_map<std::string, std::size_t, Hash, std::equal_to<>> index_;
  std::set<std::pair<std::uint64_t, std::size_t>> order_;  // (count, index), least first
  bool approximate_ = false;
};

}  // namespace jgl
