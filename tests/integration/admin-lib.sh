# admin-lib.sh: what admin.test and admin-redis.test share (sourced after
# lib.sh): running jgreylist-admin, the lines it prints, and one known
# store's entries, so that both stores are held to the same expectations.

ADMIN=$BIN/jgreylist-admin
PROMTOOL=$BUILD/tools/promtool
NOW=$(date +%s)
HOUR=3600
DAY=86400

# iso SECONDS: a time as jgreylist-admin prints it.
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }

# put FILE FIRST LAST: a tree entry (mode 600, directories 700) first seen
# at FIRST (mtime) and last seen at LAST (atime), in seconds since the epoch
# (a fraction allowed).
put() {
  (umask 077 && mkdir -p "$(dirname "$1")" && : >"$1") &&
    touch -m -d "@$2" "$1" && touch -a -d "@$3" "$1"
}

# admin [VAR=value...] -- ARG...: jgreylist-admin in a bare environment
# (jgl_run: sets RC, OUT, ERR).
admin() {
  local vars=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  jgl_run "${vars[@]}" -- "$ADMIN" "$@"
}

# row KEY STATE FIRST LAST: one line of `list`.
row() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$(iso "$3")" "$(iso "$4")"; }

# sorted TEXT: its non-empty lines in C order (list follows the store's order).
sorted() { grep -v '^$' <<<"$1" | LC_ALL=C sort; }

# calm: takes out what depends on the second the tool ran in: "(1m5s ago)",
# "(in 59s)", "first seen 2h ago".
calm() { sed -E 's/ \([0-9wdhms]+ ago\)//g; s/ \(in [0-9wdhms]+\)//g; s/first seen [0-9wdhms]+ ago/first seen N ago/g'; }

# unprintable FILE: how many bytes of FILE are neither printable ASCII nor
# tab or newline.
unprintable() { LC_ALL=C tr -d '\t\n\040-\176' <"$1" | wc -c; }

# one_error WHAT RC REGEX: the last run exited RC with exactly one line on
# stderr, matching REGEX, and printed nothing on stdout.
one_error() {
  expect_eq "$1: exit $2" "$2" "$RC"
  expect_eq "$1: one line on stderr" 1 "$(wc -l <"$JGL_CAPTURE/err")"
  expect_match "$1: the line says why" "$3" "$ERR"
  expect_eq "$1: nothing on stdout" "" "$OUT"
}

# greylist WHAT IP WORDS [VAR=value...]: jgreylist itself, for the client IP,
# logs WORDS (and runs its command when they are "OK known").
greylist() {
  local what=$1 ip=$2 words=$3
  shift 3
  jgl_run TCPREMOTEIP="$ip" "$@" -- "$JGREYLIST" echo passed
  expect_match "$what: jgreylist logs $words" "^jgreylist\[[0-9]+\]: ${ip//./\\.}: $words\$" "$ERR"
  if [ "$words" == "OK known" ]; then expect_eq "$what: the command runs" passed "$OUT"; fi
}

# pass_line WHAT TARGET KEY STORE=VALUE WAS [ADMIN_ARG...]: pass TARGET in the
# store STORE=VALUE (JGREYLIST_DIR=..., JGREYLIST_REDIS=...); it prints
# "passed KEY: validated, first seen L-120, last seen L (was: WAS)" where L is
# the second the tool ran in. Sets L.
pass_line() {
  local what=$1 target=$2 key=$3 store=$4 was=$5 t0 t1
  shift 5
  t0=$(date +%s)
  admin "$store" -- "$@" pass "$target"
  t1=$(date +%s)
  expect_eq "$what: exit 0, nothing on stderr" "0 " "$RC $ERR"
  L=$(sed -nE 's/.*, last seen ([0-9T:Z-]+) \(0s ago\) \(was: .*/\1/p' <<<"$OUT")
  L=$(date -u -d "${L:-1970-01-01T00:00:00Z}" +%s)
  check "$what: last seen is now ($(iso "$L") within $(iso "$t0")..$(iso "$t1"))" test "$L" -ge "$t0" -a "$L" -le "$t1"
  expect_eq "$what: prints what changed" \
    "passed $key: validated, first seen $(iso $((L - 120))), last seen $(iso "$L") (was: $was)" "$(calm <<<"$OUT")"
}

# metric FILE NAME_REGEX: the value of the sample NAME_REGEX in the textfile.
metric() { sed -nE "s/^$2 ([0-9.e+]+)\$/\\1/p" "$1"; }

# A known store: KEY|TREE PATH|FIRST SEEN (seconds ago)|LAST SEEN (seconds
# ago). The state follows from last - first against the hold time (120 s).
ENTRIES=(
  "192.0.2.0/24|ip4/192/000/002|$((2 * HOUR))|10"
  "198.51.100.0/24|ip4/198/051/100|60|60"
  "203.0.113.0/24|ip4/203/000/113|$((3 * DAY))|$((2 * DAY))"
  "10.1.2.0/24|ip4/010/001/002|$((50 * DAY))|$((40 * DAY))"
  "10.1.3.0/24|ip4/010/001/003|30|5"
  "2001:db8::/64|ip6/20/01/0d/b8/00/00/00/00|$((3 * HOUR))|$((2 * HOUR))"
  "2001:db8:1::/48|ip6/20/01/0d/b8/00/01|30|30"
  "2001:db8:2::1/128|ip6/20/01/0d/b8/00/02/00/00/00/00/00/00/00/00/00/01|$((20 * DAY))|$((10 * DAY))"
)
LIST=
for e in "${ENTRIES[@]}"; do
  IFS='|' read -r key path first last <<<"$e"
  state=pending
  [ $((first - last)) -ge 120 ] && state=validated
  LIST+=$(row "$key" "$state" $((NOW - first)) $((NOW - last)))$'\n'
done
LIST=$(sorted "$LIST")
PENDING=$(grep -P '\tpending\t' <<<"$LIST")
VALIDATED=$(grep -P '\tvalidated\t' <<<"$LIST")
IP4=$(grep -v '^[^[:space:]]*:' <<<"$LIST")
IP6=$(grep '^[^[:space:]]*:' <<<"$LIST")

# stats of the known store: by family and state, and by last sight
# (10 s, 60 s, 5 s, 30 s; 2 h; 2 days; 10 days; 40 days).
TABLE="family      pending  validated      total
ip4               2          3          5
ip6               1          2          3
triplet           0          0          0
all               3          5          8

last seen      entries
< 1 hour              4  ########################################
< 1 day               1  ##########
< 1 week              1  ##########
< 35 days             1  ##########
>= 35 days            1  ##########"

# check_list WHAT [VAR=value...] -- [ADMIN_ARG...]: list, and each filter of
# it, on the known store, as the run's arguments name it.
check_list() {
  local what=$1 vars=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  shift
  admin "${vars[@]}" -- "$@" list
  expect_eq "$what list: exit 0" 0 "$RC"
  expect_eq "$what list: key, state, first seen, last seen, one tab-separated line each" "$LIST" "$(sorted "$OUT")"
  expect_eq "$what list: nothing on stderr" "" "$ERR"
  admin "${vars[@]}" -- "$@" list --pending
  expect_eq "$what list --pending: the pending entries only" "$PENDING" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list --validated
  expect_eq "$what list --validated: the validated entries only" "$VALIDATED" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list --ip4
  expect_eq "$what list --ip4: the IPv4 keys only" "$IP4" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list --ip6
  expect_eq "$what list --ip6: the IPv6 keys only" "$IP6" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list --ip4 --ip6
  expect_eq "$what list --ip4 --ip6: both" "$LIST" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list 10.0.0.0/8
  expect_eq "$what list 10.0.0.0/8: the keys under it" "$(grep '^10\.' <<<"$LIST")" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list 192.0.2.0/23
  expect_eq "$what list 192.0.2.0/23: a /24 under it" "$(grep '^192\.0\.2\.' <<<"$LIST")" "$OUT"
  admin "${vars[@]}" -- "$@" list 2001:db8::/32
  expect_eq "$what list 2001:db8::/32: the IPv6 keys under it" "$IP6" "$(sorted "$OUT")"
  admin "${vars[@]}" -- "$@" list 2001:db8:2::/48
  expect_eq "$what list 2001:db8:2::/48: the /128 under it" "$(grep '^2001:db8:2:' <<<"$LIST")" "$OUT"
  admin "${vars[@]}" -- "$@" list 172.16.0.0/12
  expect_eq "$what list of a prefix with nothing under it: no output, exit 0" "0 " "$RC $OUT"
  admin "${vars[@]}" -- "$@" list --pending 10.0.0.0/8
  expect_eq "$what list --pending 10.0.0.0/8: both filters" "$(grep '^10\.1\.3\.' <<<"$LIST")" "$OUT"
  # A longer hold time: 192.0.2.0/24 came back 2h after its first attempt.
  admin "${vars[@]}" -- "$@" --holdtime 1d list 192.0.2.0/24
  expect_eq "$what --holdtime 1d: an entry seen again after 2h is still pending" \
    "$(row 192.0.2.0/24 pending $((NOW - 2 * HOUR)) $((NOW - 10)))" "$OUT"
  admin "${vars[@]}" JGREYLIST_HOLDTIME=86400 -- "$@" list 192.0.2.0/24
  expect_eq "$what JGREYLIST_HOLDTIME=86400: the same" \
    "$(row 192.0.2.0/24 pending $((NOW - 2 * HOUR)) $((NOW - 10)))" "$OUT"

  # JSON: every line parsed by jq on its own, its fields as list prints them.
  if ! command -v jq >/dev/null; then
    not_ok "$what list --json: jq is installed (scripts/install-deps installs it)"
    return
  fi
  local got
  admin "${vars[@]}" -- "$@" list --json
  expect_eq "$what list --json: exit 0" 0 "$RC"
  expect_eq "$what list --json: one line per entry" 8 "$(grep -c . <<<"$OUT")"
  got=$(jq -R -r 'fromjson | [.key, .state, .first_seen, .last_seen] | @tsv' <<<"$OUT" 2>&1)
  expect_eq "$what list --json: each line is a JSON object with the list's fields" "$LIST" "$(sorted "$got")"
  got=$(jq -R -r 'fromjson | [.key, .family] | @tsv' <<<"$OUT" 2>&1)
  expect_eq "$what list --json: family ip4 or ip6" \
    "$(sorted "$(cut -f1 <<<"$IP4" | sed 's/$/\tip4/'; cut -f1 <<<"$IP6" | sed 's/$/\tip6/')")" "$(sorted "$got")"
  got=$(jq -R -c 'fromjson | keys' <<<"$OUT" 2>&1 | sort -u)
  expect_eq "$what list --json: exactly these members" '["family","first_seen","key","last_seen","state"]' "$got"
  admin "${vars[@]}" -- "$@" list --json --pending 2001:db8::/32
  got=$(jq -R -r 'fromjson | [.key, .state, .first_seen, .last_seen] | @tsv' <<<"$OUT" 2>&1)
  expect_eq "$what list --json --pending PREFIX: filtered as the text form" "$(grep '^2001:db8:1:' <<<"$LIST")" "$got"
}

# check_show WHAT STORE=VALUE: show on the known store, each way of choosing
# the key length, and bad addresses.
check_show() {
  local what=$1 store=$2 bad
  admin "$store" -- show 10.9.9.9
  expect_eq "${what}show, no entry: exit 0" 0 "$RC"
  expect_eq "${what}show, no entry: GREY first time" "address  10.9.9.9
key      10.9.9.0/24 (JGREYLIST_PREFIX4=24)
entry    none
verdict  GREY first time: no entry yet; greylisted for 2m from its first attempt" "$OUT"

  admin "$store" -- show 198.51.100.7
  expect_eq "${what}show, pending: exit 0" 0 "$RC"
  expect_eq "${what}show, pending: GREY too soon, and when it passes" "address  198.51.100.7
key      198.51.100.0/24 (JGREYLIST_PREFIX4=24)
entry    198.51.100.0/24: pending, first seen $(iso $((NOW - 60))), last seen $(iso $((NOW - 60)))
verdict  GREY too soon: passes from $(iso $((NOW + 60))), the hold time (2m) after its first sighting
expires  $(iso $((NOW - 60 + DAY))) unless seen again
note     rules (JGREYLIST, RELAYCLIENT, JGREYLIST_NOREV) are not consulted here" "$(calm <<<"$OUT")"
  expect_match "${what}show, pending: passes in about a minute" '\(in (1m|[1-5]?[0-9]s)\)' "$OUT"

  admin "$store" -- show 192.0.2.9
  expect_eq "${what}show, validated: OK known" "address  192.0.2.9
key      192.0.2.0/24 (JGREYLIST_PREFIX4=24)
entry    192.0.2.0/24: validated, first seen $(iso $((NOW - 2 * HOUR))), last seen $(iso $((NOW - 10)))
verdict  OK known: first seen N ago, at least the hold time (2m)
expires  $(iso $((NOW - 10 + 35 * DAY))) unless seen again
note     rules (JGREYLIST, RELAYCLIENT, JGREYLIST_NOREV) are not consulted here" "$(calm <<<"$OUT")"

  admin "$store" -- show 2001:db8::1:2:3:4
  expect_match "${what}show, IPv6: keyed /64, validated" \
    "^address  2001:db8::1:2:3:4
key      2001:db8::/64 \(JGREYLIST_PREFIX6=64\)
entry    2001:db8::/64: validated" "$OUT"
  admin "$store" -- show ::ffff:192.0.2.9
  expect_match "${what}show, IPv4-mapped: the IPv4 address and its key" \
    "^address  192\.0\.2\.9
key      192\.0\.2\.0/24 \(JGREYLIST_PREFIX4=24\)
entry    192\.0\.2\.0/24: validated" "$OUT"
  admin "$store" -- show fe80::1%eth0
  expect_eq "${what}show, a zone: stripped" "0 address  fe80::1" "$RC $(head -n 1 <<<"$OUT")"

  # The key length: --by-ip, --prefix4/--prefix6, JGREYLIST_* as jgreylist reads them.
  admin "$store" -- --prefix4 16 show 10.1.2.3
  expect_eq "${what}show --prefix4 16: keyed /16, no entry of its own" "key      10.1.0.0/16 (JGREYLIST_PREFIX4=16)
entry    none" "$(sed -n 2,3p <<<"$OUT")"
  admin "$store" JGREYLIST_PREFIX4=16 -- show 10.1.2.3
  expect_eq "${what}show, JGREYLIST_PREFIX4=16: the same" "key      10.1.0.0/16 (JGREYLIST_PREFIX4=16)
entry    none" "$(sed -n 2,3p <<<"$OUT")"
  admin "$store" JGREYLIST_PREFIX4=16 -- --prefix4 24 show 10.1.2.3
  expect_eq "${what}show, --prefix4 overrides JGREYLIST_PREFIX4" "key      10.1.2.0/24 (JGREYLIST_PREFIX4=24)" \
    "$(sed -n 2p <<<"$OUT")"
  admin "$store" -- --prefix6 48 show 2001:db8:1:ffff::9
  expect_eq "${what}show --prefix6 48: keyed /48, pending" "key      2001:db8:1::/48 (JGREYLIST_PREFIX6=48)
entry    2001:db8:1::/48: pending, first seen $(iso $((NOW - 30))), last seen $(iso $((NOW - 30)))
verdict  GREY too soon: passes from $(iso $((NOW + 90))), the hold time (2m) after its first sighting" \
    "$(calm <<<"$OUT" | sed -n 2,4p)"
  admin "$store" -- show --by-ip 2001:db8:2::1
  expect_eq "${what}show --by-ip: keyed /128, validated" "key      2001:db8:2::1/128 (JGREYLIST_PREFIX6=128)
entry    2001:db8:2::1/128: validated, first seen $(iso $((NOW - 20 * DAY))), last seen $(iso $((NOW - 10 * DAY)))
verdict  OK known: first seen N ago, at least the hold time (2m)" "$(calm <<<"$OUT" | sed -n 2,4p)"
  admin "$store" JGREYLIST_BY_IP=1 -- show 2001:db8:2::1
  expect_eq "${what}show, JGREYLIST_BY_IP=1: the same key" "key      2001:db8:2::1/128 (JGREYLIST_PREFIX6=128)" \
    "$(sed -n 2p <<<"$OUT")"
  admin "$store" JGREYLIST_HOLDTIME=1d -- show 192.0.2.9
  expect_eq "${what}show, JGREYLIST_HOLDTIME not a number: exit 2" 2 "$RC"
  admin "$store" JGREYLIST_HOLDTIME=86400 -- show 192.0.2.9
  expect_match "${what}show, JGREYLIST_HOLDTIME=86400: too soon for a day" \
    "^verdict  GREY too soon: passes from $(iso $((NOW - 2 * HOUR + DAY))) " "$(sed -n 4p <<<"$OUT")"

  for bad in 192.0.2.256 192.0.2.0/24 example.org "" "192.0.2.1"$'\n'"x"; do
    admin "$store" -- show "$bad"
    one_error "${what}show $(printf %q "$bad"): a bad address" 2 "^jgreylist-admin: show "
    expect_eq "${what}show $(printf %q "$bad"): nothing unprintable on stderr" 0 "$(unprintable "$JGL_CAPTURE/err")"
  done
}

# check_prometheus WHAT FILE: FILE, written by stats of the known store, is
# accepted by the real promtool and says what the table says.
check_prometheus() {
  local what=$1 file=$2 ts sum e key path first last lint
  if [ -x "$PROMTOOL" ]; then
    lint=$("$PROMTOOL" check metrics <"$file" 2>&1)
    expect_eq "$what: promtool check metrics accepts it" "0|" "$?|$lint"
  else
    not_ok "$what: promtool at $PROMTOOL (scripts/get-promtool $BUILD fetches it)"
  fi
  expect_eq "$what: entries by family and state" "2 3 1 2 0 0" \
    "$(for f in ip4 ip6 triplet; do for s in pending validated; do
         printf '%s ' "$(metric "$file" "jgreylist_entries\\{family=\"$f\",state=\"$s\"\\}")"
       done; done | sed 's/ $//')"
  expect_eq "$what: the age histogram, cumulative, and its count" "4 5 6 7 8 8" \
    "$(for le in 3600 86400 604800 3024000 '\+Inf'; do
         printf '%s ' "$(metric "$file" "jgreylist_entry_last_seen_age_seconds_bucket\\{le=\"$le\"\\}")"
       done)$(metric "$file" jgreylist_entry_last_seen_age_seconds_count)"
  ts=$(metric "$file" jgreylist_stats_timestamp_seconds)
  check "$what: the timestamp is when it ran ($ts)" test "${ts:-0}" -ge "$NOW" -a "${ts:-0}" -le "$(date +%s)"
  sum=0
  for e in "${ENTRIES[@]}"; do
    IFS='|' read -r key path first last <<<"$e"
    sum=$((sum + ${ts:-0} - (NOW - last)))
  done
  expect_eq "$what: the sum of ages, at its timestamp" "$sum" "$(metric "$file" jgreylist_entry_last_seen_age_seconds_sum)"
  expect_eq "$what: no problems" 0 "$(metric "$file" jgreylist_store_problems)"
}

# v8_tree DIR: a v8 tree (no ip4/) in DIR: 300 entries of chosen times to the
# nanosecond (half validated, half pending), a BY_IP entry, three expired
# ones, and names that are not entries. Sets V8_LIST, what list must print
# after importing it.
v8_tree() {
  local v=$1 i third fourth f first last state
  mkdir -p "$v/010/000" "$v/010/001"
  V8_LIST=
  for i in $(seq 0 299); do
    third=$((i / 256))
    fourth=$((i % 256))
    f=$(printf '%s/010/%03d/%03d' "$v" "$third" "$fourth")
    : >"$f"
    if [ $((i % 2)) -eq 0 ]; then
      first=$((NOW - DAY - i)) last=$((NOW - i)) state=validated
    else
      first=$((NOW - 3 * i)) last=$((NOW - i)) state=pending
      [ $((first + 120)) -le "$last" ] && state=validated
    fi
    touch -m -d "@$first.$((100000000 + i))" "$f"
    touch -a -d "@$last.$((200000000 + i))" "$f"
    V8_LIST+=$(row "10.$third.$fourth.0/24" "$state" "$first" "$last")$'\n'
  done
  put "$v/172/016/000/009" $((NOW - 30)) $((NOW - 30))           # BY_IP: a /32
  put "$v/192/000/002" $((NOW - 2 * DAY)) $((NOW - 2 * DAY))      # pending, expired
  put "$v/192/000/003" $((NOW - 50 * DAY)) $((NOW - 36 * DAY))    # validated, expired
  put "$v/192/000/004" $((NOW - 25 * HOUR)) $((NOW - 25 * HOUR))  # pending, expired
  V8_LIST=$(sorted "$V8_LIST
$(row 172.16.0.9/32 pending $((NOW - 30)) $((NOW - 30)))")
  : >"$v/junk"
  : >"$v/010/abc"
  : >"$v/010/"$'x\ny\e[2J'
  ln -s /etc "$v/011"
}

# v8_junk_named WHAT DIR: the last run named each name of v8_tree DIR that is
# not an entry once on stderr, sanitised; relative to DIR ("./junk") or with
# it ("DIR/junk"): either names it.
v8_junk_named() {
  expect_eq "$1: each name that is not an entry named once on stderr, sanitised" \
    "010/abc: name does not fit the tree: left alone
010/x?y?[2J: name does not fit the tree: left alone
011: symlink: left alone
junk: name does not fit the tree: left alone" \
    "$(sed -E "s#^jgreylist-admin: (\\./|$2/)##" <<<"$ERR" | LC_ALL=C sort)"
  expect_eq "$1: nothing unprintable on stderr" 0 "$(unprintable "$JGL_CAPTURE/err")"
}
