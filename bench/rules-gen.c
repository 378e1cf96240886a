/* rules-gen: a large tcprules file, deterministic for a seed.
 *
 *   rules-gen LINES SEED MIXED IPV4 CLIENTS
 *
 * MIXED gets LINES lines: IPv4 exact addresses, djb dotted prefixes
 * ("10.2."), djb ranges ("1.2.3.37-53", "10.2-3."), IPv6 addresses in
 * various spellings (compressed, full, leading zeros, upper case, embedded
 * or mapped IPv4), IPv6 djb text prefixes ("2001:db8:abcd:"), IPv6 and IPv4
 * CIDR prefixes (a few not on an octet or group boundary, so expanding into
 * 16 keys), info@ip and =host names, comments and empty lines; allow or
 * deny, with ,RELAYCLIENT="" or ,JGREYLIST="msg" settings (any quote).
 *
 * IPV4 gets the subset of those lines Debian's tcprules reads as we do
 * (no IPv6, no CIDR): the same cdb is expected from both.
 *
 * CLIENTS gets one address a line, any spelling, to look up: "H addr" for
 * an address some rule covers, "M addr" for one no rule covers (rules never
 * use 198.18.0.0/15 or 3fff::/16, the misses do).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state;

static uint64_t next(void) { /* splitmix64 */
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static unsigned below(unsigned n) { return (unsigned)(next() % n); }

/* A first octet for rules: 1..223 without 198 (the misses' block). */
static unsigned rule_octet(void) {
  unsigned o;
  do o = 1 + below(223);
  while (o == 198);
  return o;
}

/* An IPv6 group: zero one time in four when zeros are allowed. */
static unsigned group(int zeros) {
  if (zeros && below(4) == 0) return 0;
  return 1 + below(0xffff);
}

/* Eight groups as text, compressing the longest run of zero groups (even a
 * single one); upper case when asked. */
static void v6_compressed(char *out, const unsigned g[8], int upper) {
  int best = -1, best_len = 0;
  for (int i = 0; i < 8;) {
    int j = i;
    while (j < 8 && g[j] == 0) ++j;
    if (j - i > best_len) best = i, best_len = j - i;
    i = j == i ? i + 1 : j;
  }
  char *p = out;
  for (int i = 0; i < 8; ++i) {
    if (i == best) {
      p += sprintf(p, i == 0 ? "::" : ":");
      i += best_len - 1;
      continue;
    }
    p += sprintf(p, upper ? "%X" : "%x", g[i]);
    if (i < 7) *p++ = ':';
  }
  *p = 0;
}

static void v6_random(unsigned g[8], int zeros) {
  g[0] = 0x2000 + below(0x1000); /* never 3fff: the misses' block */
  for (int i = 1; i < 8; ++i) g[i] = group(zeros);
}

/* The address in one of several spellings, and a client it covers (for
 * the mapped spelling, an IPv4 address of its own). */
static void v6_spelling(char *out, char *client, const unsigned g[8]) {
  unsigned a = rule_octet(), b = below(256), c = below(256), d = below(256);
  switch (below(8)) {
    case 0:
      sprintf(out, "%04x:%04x:%04x:%04x:%04x:%04x:%04x:%04x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
      break;
    case 1:
      sprintf(out, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
      break;
    case 2:
      v6_compressed(out, g, 1);
      break;
    case 3:
      sprintf(out, "::ffff:%u.%u.%u.%u", a, b, c, d);
      sprintf(client, "%u.%u.%u.%u", a, b, c, d);
      return;
    case 4:
      sprintf(out, "%x:%x:%x:%x:%x:%x:%u.%u.%u.%u", g[0], g[1], g[2], g[3], g[4], g[5], g[6] >> 8, g[6] & 255,
              g[7] >> 8, g[7] & 255);
      break;
    default:
      v6_compressed(out, g, 0);
      break;
  }
  sprintf(client, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
}

/* What follows the address: ":deny" or ":allow" with settings. */
static void instruction(char *out) {
  unsigned r = below(100);
  if (r < 20) {
    strcpy(out, ":deny");
    return;
  }
  unsigned n = below(1000);
  if (r < 45) sprintf(out, ":allow");
  else if (r < 75) sprintf(out, ":allow,RELAYCLIENT=\"\"");
  else if (r < 90) sprintf(out, ":allow,JGREYLIST=\"greylisted %u\"", n);
  else if (r < 96) sprintf(out, ":allow,RELAYCLIENT=\"\",JGREYLIST=\"known %u\"", n);
  else sprintf(out, ":allow,JGREYLIST='say \"%u\"',X=/a:b/", n);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: rules-gen LINES SEED MIXED IPV4 CLIENTS\n");
    return 2;
  }
  long lines = strtol(argv[1], NULL, 10);
  state = strtoull(argv[2], NULL, 10);
  FILE *mixed = fopen(argv[3], "w"), *ipv4 = fopen(argv[4], "w"), *clients = fopen(argv[5], "w");
  if (!mixed || !ipv4 || !clients) {
    perror("rules-gen");
    return 1;
  }
  char addr[128], client[128], instr[128];
  long v4_lines = 0, hits = 0;
  for (long n = 0; n < lines; ++n) {
    unsigned kind = below(100);
    unsigned a = rule_octet(), b = below(256), c = below(256), d = below(256);
    unsigned g[8];
    int v4_only = 1;
    client[0] = 0;
    if (kind < 30) { /* IPv4 exact */
      sprintf(addr, "%u.%u.%u.%u", a, b, c, d);
      strcpy(client, addr);
    } else if (kind < 37) { /* djb dotted prefix */
      unsigned parts = 1 + below(3);
      if (parts == 1) sprintf(addr, "%u.", a);
      else if (parts == 2) sprintf(addr, "%u.%u.", a, b);
      else sprintf(addr, "%u.%u.%u.", a, b, c);
      sprintf(client, "%u.%u.%u.%u", a, b, c, d);
    } else if (kind < 42) { /* djb range, last octet or third */
      unsigned low = below(241), high = low + below(16);
      if (below(5) == 0) {
        sprintf(addr, "%u.%u.%u-%u.", a, b, low, high);
        sprintf(client, "%u.%u.%u.%u", a, b, low + below(high - low + 1), d);
      } else {
        sprintf(addr, "%u.%u.%u.%u-%u", a, b, c, low, high);
        sprintf(client, "%u.%u.%u.%u", a, b, c, low + below(high - low + 1));
      }
    } else if (kind < 43) { /* names */
      if (below(2)) sprintf(addr, "=mx%u.example.org", below(100000));
      else sprintf(addr, "joe%u@%u.%u.%u.%u", below(100), a, b, c, d);
    } else if (kind < 63) { /* IPv6 exact */
      v6_random(g, 1);
      v6_spelling(addr, client, g);
      v4_only = 0;
    } else if (kind < 66) { /* IPv6 djb text prefix, no zero group */
      v6_random(g, 0);
      unsigned parts = 1 + below(4);
      char *p = addr;
      for (unsigned i = 0; i < parts; ++i) p += sprintf(p, "%x:", g[i]);
      sprintf(client, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
      v4_only = 0;
    } else if (kind < 74) { /* IPv6 CIDR: groups inside the prefix nonzero */
      static const int aligned[] = {16, 32, 48, 64, 80, 96, 112, 128};
      static const int odd[] = {44, 60, 124};
      int len = below(8) ? aligned[below(8)] : odd[below(3)];
      v6_random(g, 0);
      unsigned base[8];
      for (int i = 0; i < 8; ++i) {
        int keep = len - 16 * i;
        base[i] = keep >= 16 ? g[i] : keep <= 0 ? 0 : ((g[i] | 0x8000) & (0xffffu << (16 - keep)) & 0xffff);
      }
      /* The client must lie inside: take its leading bits from the base. */
      for (int i = 0; i < 8; ++i) {
        int keep = len - 16 * i;
        if (keep <= 0) break;
        unsigned mask = keep >= 16 ? 0xffff : (0xffffu << (16 - keep)) & 0xffff;
        g[i] = (base[i] & mask) | (g[i] & ~mask & 0xffff);
      }
      sprintf(client, "%x:%x:%x:%x:%x:%x:%x:%x", g[0], g[1], g[2], g[3], g[4], g[5], g[6], g[7]);
      char text[64];
      v6_compressed(text, base, 0);
      if (below(8) == 0) sprintf(addr, "[%s]/%d", text, len);
      else sprintf(addr, "%s/%d", text, len);
      v4_only = 0;
    } else if (kind < 82) { /* IPv4 CIDR, a few mapped */
      static const int aligned[] = {8, 16, 24, 32};
      static const int odd[] = {12, 20, 28};
      int len = below(8) ? aligned[below(4)] : odd[below(3)];
      uint32_t ip = a << 24 | b << 16 | c << 8 | d;
      uint32_t net = len == 32 ? ip : ip & ~(0xffffffffu >> len);
      sprintf(client, "%u.%u.%u.%u", a, b, c, d);
      if (below(8) == 0)
        sprintf(addr, "::ffff:%u.%u.%u.%u/%d", net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255, len + 96);
      else
        sprintf(addr, "%u.%u.%u.%u/%d", net >> 24, net >> 16 & 255, net >> 8 & 255, net & 255, len);
      v4_only = 0;
    } else if (kind < 83) { /* comment or empty line */
      const char *line = below(2) ? "# a comment: 10.0.0.0/8 stays out\n" : "\n";
      fputs(line, mixed);
      fputs(line, ipv4);
      ++v4_lines;
      continue;
    } else { /* more IPv4 exact: the common case of real rule files */
      sprintf(addr, "%u.%u.%u.%u", a, b, c, d);
      strcpy(client, addr);
    }
    instruction(instr);
    fprintf(mixed, "%s%s\n", addr, instr);
    if (v4_only) {
      fprintf(ipv4, "%s%s\n", addr, instr);
      ++v4_lines;
    }
    if (client[0] && below(50) == 0) {
      fprintf(clients, "H %s\n", client);
      if (below(2)) fprintf(clients, "M 198.%u.%u.%u\n", 18 + below(2), below(256), below(256));
      else
        fprintf(clients, "M 3fff:%x:%x::%x\n", below(0x10000), below(0x10000), below(0x10000));
      ++hits;
    }
  }
  if (fclose(mixed) || fclose(ipv4) || fclose(clients)) {
    perror("rules-gen");
    return 1;
  }
  printf("%ld %ld %ld\n", lines, v4_lines, 2 * hits);
  return 0;
}
