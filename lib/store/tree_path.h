// store/tree_path.h: where a key lives in the tree, and what a name there means.
//
//   $DIR/ip4/127/000/000        127.0.0.0/24, one 3-digit decimal level a byte
//   $DIR/ip6/20/01/04/70/...    IPv6, one 2-digit lowercase hex level a byte
//   $DIR/triplet/ab/cd/ef01...  (client, sender, recipient) by its SHA-256
//   $DIR/awl/ab/cdef01...       a network's passes, by its CIDR text's SHA-256
//   $DIR/corr/ab/cdef01...      (outside address, our user) by its SHA-256
//
// v8's layout, byte for byte, for prefix keys. The store (lib/store/tree.h)
// opens these paths; the walk (lib/store/walk.h) reads names back into keys with
// the same grammar. No system calls here.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "lib/base/error.h"
#include "lib/net/key.h"
#include "lib/net/prefix.h"

namespace jgl {

// A prefix key's place in the tree, relative to the root: "ip4/127/000/000".
class TreePath {
 public:
  static constexpr std::size_t kCapacity = 80;  // "triplet/ab/cd/" and 60 digits, with its NUL
  // The name of a key's entry inside its own path, when entries of longer
  // keys made that path a directory: "ip4/192/000/002/net" for 192.0.2.0/24
  // beside "ip4/192/000/002/007" for 192.0.2.7/32.
  static constexpr std::string_view kInside = "net";
  // One level for each byte the key's length touches, at least one.
  explicit TreePath(const Prefix& key);
  // A triplet's, an awl's or a correspondent's place: its kind's subtree,
  // then its digest (Key::digest) in hex. A triplet: two levels of 256
  // directories at most each, then the 60 other digits
  // ("triplet/ab/cd/..."), the layout triplets have always had. An awl or a
  // correspondent: one level, then the 62 other digits ("awl/ab/..."),
  // since each new one costs a directory where two levels are mostly
  // empty, and these kinds are made on a pass, a request that should cost
  // little (a network's count for every network that passes).
  static TreePath hashed(Key::Kind kind, std::string_view digest);
  std::string_view view() const { return {text_, size_}; }
  const char* c_str() const { return text_; }
  int levels() const { return levels_; }
  // The byte levels, the family's and `net` not counted.
  int bytes() const { return levels_ - 1 - (inside_ ? 1 : 0); }
  bool is_inside() const { return inside_; }
  bool is_hashed() const { return hashed_; }
  // Whether a longer key's entries may lie below: not for a /32 or /128,
  // nor for a hashed entry.
  bool may_hold_longer() const { return !hashed_ && bytes() < (text_[2] == '4' ? 4 : 16); }
  // The i-th level's name (0 is "ip4" or "ip6"), NUL-terminated into buf.
  const char* level(int i, char* buf) const;
  // This path with `net` below it.
  TreePath inside() const;
  // The path of the first `bytes` byte levels: a shorter key's entry.
  TreePath upto(int bytes) const;

 private:
  TreePath() = default;
  char text_[kCapacity];
  std::size_t size_ = 0;
  int levels_ = 0;
  bool inside_ = false;
  bool hashed_ = false;
};

// A hashed entry's contents, so that listings can show the key its name
// only hashes, and an awl entry's count:
//   triplet        its client part (Key::client_text), sender, recipient
//   corr           the outside address, our user's address
//   awl            its network (CIDR text), then its count as kCountDigits
//                  decimal digits (fixed, so that a count is rewritten in
//                  place)
// each followed by a NUL. At most kEntryContentMax bytes.
constexpr std::size_t kCountDigits = 10;
constexpr unsigned long kMaxCount = 9999999999UL;
constexpr std::size_t kEntryContentMax = Key::kSpfMark.size() + Key::kMaxDomain + 1 + 2 * (Key::kMaxAddress + 1);
std::string entry_content(const Key& key, unsigned long count = 0);
struct EntryContent {
  Key key;
  unsigned long count;
};
// The key (and count) back from an entry's contents; fails on anything else.
Result<EntryContent> parse_entry_content(Key::Kind kind, std::string_view content);

// "triplet", "awl" or "corr": the subtree of a hashed kind.
std::string_view hashed_top(Key::Kind kind);

// The inverse of TreePath for one level below ip4/ or ip6/: the byte it
// stands for, or -1 if the name does not fit the grammar (3-digit decimal
// 000-255, 2-digit lowercase hex).
int tree_level_byte(Family family, std::string_view name);

// The levels below a hashed kind's subtree: 2 for triplets, 1 for the others.
int hashed_levels(Key::Kind kind);

// Whether `name` is `size` lowercase hex digits: the hashed subtrees'
// grammar (2 for its two directory levels, 60 for an entry).
bool is_hex_name(std::string_view name, std::size_t size);

}  // namespace jgl
