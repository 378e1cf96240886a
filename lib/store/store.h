// store/store.h: the greylisting state, whatever holds it.
//
// Every program that reads or writes the state talks to a Store: one
// sighting at a time for the filters (jgreylist, jgreylist-queue,
// jgreylist-policy), a count of passes for auto-whitelisting, and find,
// set_times, forget and enumerate for jgreylist-admin. Each backend is one implementation of this interface
// and one case in open_store() (lib/store/open.h):
//
//   lib/store/tree.h   the tree of empty files (JGREYLIST_DIR), v8's layout
//   lib/store/redis.h  a Redis server or Sentinel group (JGREYLIST_REDIS)
//
// A store knows times, not policy: what a sighting means (greylisted,
// known, expired) is decided in lib/greylist/greylist.h, the same for every store.
// Errors a retry may cure (I/O, a full disk, a server away) are temporary
// (lib/base/error.h); the filters defer the client on any store error.
#pragma once

#include <time.h>

#include <optional>
#include <string_view>

#include "lib/base/error.h"
#include "lib/net/key.h"

namespace jgl {

// What the store knew of a key when it was observed.
struct Sighting {
  bool created = false;   // no entry existed, or it had expired: made now, first_seen = now
  timespec first_seen{};
  timespec last_seen{};   // before this sighting
  bool restarted = false;  // created over an expired entry (lib/store/expiry.h): the retry window was missed
};

// A key and its times, as the admin tool lists and sets them.
struct Entry {
  Key key;
  timespec first_seen{};
  timespec last_seen{};
  // An awl entry's passes counted (count_pass); 0 for every other kind.
  unsigned long count = 0;
};

class EntryVisitor {
 public:
  virtual ~EntryVisitor() = default;
  virtual void entry(const Entry& entry) = 0;
  // Something the store holds that is not an entry it can read (a name
  // outside the tree's grammar, an unreadable directory): left alone.
  virtual void problem(const Error& error) = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Where the state is, for log lines ("/var/qmail/jgreylist").
  virtual std::string_view where() const = 0;

  // Finds or creates the key's entry and marks it seen `now`. Two
  // observers of one key at the same instant agree on its first sighting.
  // An entry expired by now (lib/store/expiry.h, the store's policy) is
  // not a sighting of it: it starts over as created and restarted, so
  // that every store keeps the same retry window, whether it forgets by
  // itself (Redis's TTLs) or waits for jgreylist-clean (the tree).
  virtual Result<Sighting> observe(const Key& key, timespec now) = 0;

  // Counts a pass of an awl key's network (Key::awl): at most one every
  // `interval` seconds, so that the count and the entry's last sighting
  // move only when the last count is that old; a new or expired entry
  // starts at one, first seen now. Returns the entry as it is after.
  // Awl and correspondent entries are never pending: they live max_age
  // after they were last seen (lib/store/expiry.h, expiry_for).
  virtual Result<Entry> count_pass(const Key& key, timespec now, long interval) = 0;

  // The key's entry, unchanged; nullopt when there is none.
  virtual Result<std::optional<Entry>> find(const Key& key) = 0;

  // Creates the entry, or replaces its times.
  virtual Result<void> set_times(const Entry& entry) = 0;

  // Removes the key's entry; false when there was none.
  virtual Result<bool> forget(const Key& key) = 0;

  // Every entry, in the store's own order, with bounded memory.
  virtual Result<void> enumerate(EntryVisitor& visitor) = 0;
};

}  // namespace jgl
