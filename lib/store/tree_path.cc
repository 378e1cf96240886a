// store/tree_path.cc: keys as the tree names them, and names back to keys.
#include "lib/store/tree_path.h"

#include <algorithm>
#include <cstring>
#include <fmt/format.h>
#include <string>

#include "lib/base/number.h"

namespace jgl {
namespace {

const char kHex[] = "0123456789abcdef";

}  // namespace

TreePath::TreePath(const Prefix& key) {
  const Address& a = key.address();
  bool v4 = a.is_v4();
  int bytes = (key.length() + 7) / 8;
  if (bytes == 0) bytes = 1;
  std::memcpy(text_, v4 ? "ip4" : "ip6", 3);
  size_ = 3;
  for (int i = 0; i < bytes; ++i) {
    unsigned b = a.byte(i);
    text_[size_++] = '/';
    if (v4) {
      text_[size_++] = static_cast<char>('0' + b / 100);
      text_[size_++] = static_cast<char>('0' + b / 10 % 10);
      text_[size_++] = static_cast<char>('0' + b % 10);
    } else {
      text_[size_++] = kHex[b >> 4];
      text_[size_++] = kHex[b & 0xf];
    }
  }
  text_[size_] = '\0';
  levels_ = bytes + 1;
}

const char* TreePath::level(int i, char* buf) const {
  std::size_t start = 0;
  for (int l = 0; l < i; ++l) start = view().find('/', start) + 1;
  std::size_t end = view().find('/', start);
  if (end == std::string_view::npos) end = size_;
  std::memcpy(buf, text_ + start, end - start);
  buf[end - start] = '\0';
  return buf;
}

std::string_view hashed_top(Key::Kind kind) {
  switch (kind) {
    case Key::Kind::awl:
      return "awl";
    case Key::Kind::correspondent:
      return "corr";
    default:
      return "triplet";
  }
}

int hashed_levels(Key::Kind kind) { return kind == Key::Kind::triplet ? 2 : 1; }

TreePath TreePath::hashed(Key::Kind kind, std::string_view digest) {
  TreePath p;
  std::string_view top = hashed_top(kind);
  std::memcpy(p.text_, top.data(), top.size());
  p.size_ = top.size();
  const int levels = hashed_levels(kind);
  std::size_t at = 0;
  for (int l = 0; l <= levels; ++l) {
    std::size_t part = l < levels ? 2 : digest.size() - at;
    p.text_[p.size_++] = '/';
    std::memcpy(p.text_ + p.size_, digest.data() + at, part);
    p.size_ += part;
    at += part;
  }
  p.text_[p.size_] = '\0';
  p.levels_ = levels + 2;
  p.hashed_ = true;
  return p;
}

std::string entry_content(const Key& key, unsigned long count) {
  std::string content;
  if (key.kind() == Key::Kind::awl) {
    content = key.client().format().view();
    content += '\0';
    content += fmt::format("{:0{}}", std::min(count, kMaxCount), kCountDigits);
  } else {
    if (key.is_triplet()) {
      content = key.client_text();
      content += '\0';
    }
    content += key.sender();
    content += '\0';
    content += key.recipient();
  }
  content += '\0';
  return content;
}

Result<EntryContent> parse_entry_content(Key::Kind kind, std::string_view content) {
  std::string_view what = kind == Key::Kind::awl             ? "an awl entry's contents"
                          : kind == Key::Kind::correspondent ? "a correspondent entry's contents"
                                                             : "a triplet entry's contents";
  std::string_view parts[3];
  std::size_t fields = kind == Key::Kind::triplet ? 3 : 2;
  for (std::size_t i = 0; i < fields; ++i) {
    std::size_t nul = content.find('\0');
    if (nul == std::string_view::npos) return fail("not " + std::string(what));
    parts[i] = content.substr(0, nul);
    content.remove_prefix(nul + 1);
  }
  if (!content.empty()) return fail("not " + std::string(what));
  if (kind == Key::Kind::awl) {
    auto client = Prefix::parse(parts[0]);
    auto count = parts[1].size() == kCountDigits ? parse_number(parts[1], 0, static_cast<long>(kMaxCount))
                                                 : fail("not a count");
    if (!client || !count) return fail("not " + std::string(what));
    return EntryContent{Key::awl(*client), static_cast<unsigned long>(*count)};
  }
  if (kind == Key::Kind::correspondent) {
    if (parts[0].size() > Key::kMaxAddress || parts[1].size() > Key::kMaxAddress) {
      return fail("not " + std::string(what));
    }
    return EntryContent{Key::correspondent(std::string(parts[0]), std::string(parts[1])), 0};
  }
  auto key = Key::triplet_from(parts[0], parts[1], parts[2]);
  if (!key) return fail("not " + std::string(what) + ": " + key.error().message);
  return EntryContent{std::move(*key), 0};
}

bool is_hex_name(std::string_view name, std::size_t size) {
  if (name.size() != size) return false;
  for (char c : name) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

TreePath TreePath::inside() const {
  TreePath p = *this;
  if (inside_) return p;
  p.text_[p.size_++] = '/';
  std::memcpy(p.text_ + p.size_, kInside.data(), kInside.size());
  p.size_ += kInside.size();
  p.text_[p.size_] = '\0';
  p.levels_ += 1;
  p.inside_ = true;
  return p;
}

TreePath TreePath::upto(int bytes) const {
  TreePath p;
  std::size_t end = 0;
  for (int l = 0; l <= bytes; ++l) end = view().find('/', end + 1);
  if (end == std::string_view::npos) end = size_;
  std::memcpy(p.text_, text_, end);
  p.size_ = end;
  p.text_[end] = '\0';
  p.levels_ = bytes + 1;
  return p;
}

int tree_level_byte(Family family, std::string_view name) {
  if (family == Family::v4) {
    auto v = parse_number(name, 0, 255);
    return name.size() == 3 && v ? static_cast<int>(*v) : -1;
  }
  if (name.size() != 2) return -1;
  int v = 0;
  for (char c : name) {
    const char* p = std::strchr(kHex, c);
    if (c == '\0' || p == nullptr) return -1;
    v = v * 16 + static_cast<int>(p - kHex);
  }
  return v;
}

}  // namespace jgl
