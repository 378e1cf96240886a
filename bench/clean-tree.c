/* clean-tree.c: writes a jgreylist tree for bench/clean-bench.
 *
 *   clean-tree DIR ENTRIES STALE_PERCENT SEED
 *
 * ENTRIES distinct keys, three in four IPv4 /24s spread over the unicast
 * space, one in four IPv6 /64s clustered under a few hundred /48s the way
 * hosting networks are. Every entry is validated (last seen at least a day
 * after first). STALE_PERCENT of them were last seen 40 to 90 days ago, so
 * that both `jgreylist-clean --max-age 35d` and `find -atime +35` remove
 * exactly them; the others were last seen within 30 days. Keys are sorted
 * before writing, so each directory is made once, relative to an open
 * descriptor of its parent. Prints the number of entries and directories.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct key {
  uint8_t v6;       /* 0: ip4, 3 levels; 1: ip6, 8 levels */
  uint8_t bytes[8];
};

static uint64_t rng_state;
static uint64_t rng(void) {
  /* splitmix64: fast, and the same tree for the same seed. */
  uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static void random_key(struct key *k) {
  memset(k, 0, sizeof *k);
  if (rng() % 4 != 0) {
    uint8_t first;
    do first = (uint8_t)(1 + rng() % 223); while (first == 127 || first == 10);
    k->bytes[0] = first;
    k->bytes[1] = (uint8_t)rng();
    k->bytes[2] = (uint8_t)rng();
    return;
  }
  k->v6 = 1;
  static const uint8_t tops[][2] = {{0x20, 0x01}, {0x2a, 0x00}, {0x2a, 0x01}, {0x2a, 0x02}, {0x26, 0x00}, {0x24, 0x00}};
  unsigned site = (unsigned)(rng() % 512); /* one of 512 /48s */
  const uint8_t *top = tops[site % 6];
  k->bytes[0] = top[0];
  k->bytes[1] = top[1];
  k->bytes[2] = (uint8_t)(site * 37 % 64);
  k->bytes[3] = (uint8_t)(site * 11);
  k->bytes[4] = (uint8_t)(site >> 3);
  k->bytes[5] = (uint8_t)(site * 5);
  k->bytes[6] = (uint8_t)rng();
  k->bytes[7] = (uint8_t)rng();
}

static int levels(const struct key *k) { return k->v6 ? 8 : 3; }

static int compare(const void *a, const void *b) { return memcmp(a, b, sizeof(struct key)); }

static void level_name(const struct key *k, int i, char *buf) {
  if (k->v6)
    snprintf(buf, 4, "%02x", k->bytes[i]);
  else
    snprintf(buf, 4, "%03u", k->bytes[i]);
}

static void die(const char *what, const char *name) {
  fprintf(stderr, "clean-tree: %s %s: %s\n", what, name, strerror(errno));
  exit(1);
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: clean-tree DIR ENTRIES STALE_PERCENT SEED\n");
    return 2;
  }
  const char *root = argv[1];
  long n = atol(argv[2]);
  long stale_percent = atol(argv[3]);
  rng_state = (uint64_t)atoll(argv[4]);
  umask(077);

  struct key *keys = malloc((size_t)n * sizeof *keys);
  if (keys == NULL) die("malloc", "");
  long have = 0;
  while (have < n) {
    for (long i = have; i < n; ++i) random_key(&keys[i]);
    qsort(keys, (size_t)n, sizeof *keys, compare);
    have = 0;
    for (long i = 0; i < n; ++i)
      if (have == 0 || memcmp(&keys[i], &keys[have - 1], sizeof *keys) != 0) keys[have++] = keys[i];
  }

  if (mkdir(root, 0700) != 0 && errno != EEXIST) die("mkdir", root);
  int root_fd = open(root, O_RDONLY | O_DIRECTORY);
  if (root_fd < 0) die("open", root);
  int fam_fd[2];
  const char *fam_name[2] = {"ip4", "ip6"};
  for (int f = 0; f < 2; ++f) {
    if (mkdirat(root_fd, fam_name[f], 0700) != 0) die("mkdir", fam_name[f]);
    fam_fd[f] = openat(root_fd, fam_name[f], O_RDONLY | O_DIRECTORY);
    if (fam_fd[f] < 0) die("open", fam_name[f]);
  }

  time_t now = time(NULL);
  const long day = 86400;
  int fds[8];            /* fds[i]: the open directory for level i (1..) */
  int open_levels = 0;   /* levels of `prev` whose directories are in fds */
  struct key prev;
  memset(&prev, 0xff, sizeof prev);
  long dirs = 0, stale = 0;
  char name[4];
  for (long i = 0; i < n; ++i) {
    const struct key *k = &keys[i];
    int depth = levels(k);
    int same = 0; /* leading directory levels shared with prev */
    if (k->v6 == prev.v6)
      while (same < open_levels && same < depth - 1 && k->bytes[same] == prev.bytes[same]) ++same;
    while (open_levels > same) close(fds[--open_levels]);
    for (int l = same; l < depth - 1; ++l) {
      int parent = l == 0 ? fam_fd[k->v6] : fds[l - 1];
      level_name(k, l, name);
      if (mkdirat(parent, name, 0700) != 0) die("mkdir", name);
      fds[l] = openat(parent, name, O_RDONLY | O_DIRECTORY);
      if (fds[l] < 0) die("open", name);
      ++open_levels;
      ++dirs;
    }
    int parent = depth == 1 ? fam_fd[k->v6] : fds[depth - 2];
    level_name(k, depth - 1, name);
    int fd = openat(parent, name, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) die("create", name);
    long first, last; /* seconds ago */
    if (rng() % 100 < (uint64_t)stale_percent) {
      first = 100 * day + (long)(rng() % (300 * day));
      last = 40 * day + (long)(rng() % (50 * day));
      ++stale;
    } else {
      first = 2 * day + (long)(rng() % (400 * day));
      long cap = first - day < 30 * day ? first - day : 30 * day;
      last = (long)(rng() % (uint64_t)cap);
    }
    struct timespec times[2] = {{now - last, 0}, {now - first, 0}};
    if (futimens(fd, times) != 0) die("futimens", name);
    close(fd);
    prev = *k;
  }
  printf("%ld entries, %ld stale, %ld directories\n", n, stale, dirs + 2);
  return 0;
}
