# lib.sh: helpers for integration tests (sourced by tests/integration/*.test).
#
# Each check prints "ok - what" or "not ok - what" (tests/run-all counts
# them); a failure also prints what was expected and what came. Every test
# gets its own temporary directory, removed at exit, and every server it
# starts is stopped by PID at exit.
set -u
BUILD=${BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../build" && pwd)}
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN=$BUILD/bin
JGREYLIST=$BIN/jgreylist
T=$(mktemp -d "${TMPDIR:-/tmp}/jgl-test.XXXXXX")
_pids=()

cleanup() {
  local p
  for p in "${_pids[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${_pids[@]}"; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; }

# check WHAT CMD...: ok if CMD succeeds.
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else not_ok "$what"; echo "    command failed: $*"; fi
}

# expect_eq WHAT EXPECTED GOT
expect_eq() {
  if [ "$2" == "$3" ]; then
    ok "$1"
  else
    not_ok "$1"
    printf '    expected: %q\n    got:      %q\n' "$2" "$3"
  fi
}

# expect_match WHAT REGEX TEXT (grep -E on the text)
expect_match() {
  if grep -Eq -- "$2" <<<"$3"; then
    ok "$1"
  else
    not_ok "$1"
    printf '    expected to match: %s\n    got: %s\n' "$2" "$3"
  fi
}

# A TCP port free on 127.0.0.1 and ::1 right now.
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! ss -Htan "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
}

# background CMD...: starts CMD, remembers its PID in $LAST_PID for cleanup.
background() {
  "$@" &
  LAST_PID=$!
  _pids+=("$LAST_PID")
}

# wait_port PORT [HOST]: until something listens there (5 s at most).
wait_port() {
  local i
  for i in $(seq 1 100); do
    ss -Hltn "sport = :$1" | grep -q . && return 0
    sleep 0.05
  done
  echo "    nothing listens on port $1" >&2
  return 1
}

# backdate FILE SECONDS: moves an entry's first and last sight into the past.
backdate() {
  local t
  t=$(($(date +%s) - $2))
  touch -m -d "@$t" "$1" && touch -a -d "@$t" "$1"
}

# jgl_run [VAR=value...] -- CMD...: runs CMD (say "$JGREYLIST" true) in a bare
# environment, PATH and the given variables only, with stdin from $JGL_STDIN
# (default /dev/null) and 20 s at most. Sets RC, OUT (stdout) and ERR
# (stderr); the raw bytes stay in $JGL_CAPTURE/out and $JGL_CAPTURE/err.
JGL_CAPTURE=$T/.capture
jgl_run() {
  local vars=()
  while [ $# -gt 0 ] && [ "$1" != -- ]; do vars+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  mkdir -p "$JGL_CAPTURE"
  # Under make check-asan the sanitizers' settings survive the bare
  # environment, so that a leak aborts rather than exits 1.
  [ -n "${ASAN_OPTIONS:-}" ] && vars=("ASAN_OPTIONS=$ASAN_OPTIONS" "${vars[@]}")
  [ -n "${UBSAN_OPTIONS:-}" ] && vars=("UBSAN_OPTIONS=$UBSAN_OPTIONS" "${vars[@]}")
  timeout 20 env -i PATH=/usr/bin:/bin "${vars[@]}" "$@" \
    <"${JGL_STDIN:-/dev/null}" >"$JGL_CAPTURE/out" 2>"$JGL_CAPTURE/err"
  RC=$?
  OUT=$(tr -d '\0' <"$JGL_CAPTURE/out")
  ERR=$(tr -d '\0' <"$JGL_CAPTURE/err")
}

# tree_listing DIR: every name under DIR with its type, mode, owner and size,
# sorted, leaving out $JGL_CAPTURE; compare it before and after a run.
tree_listing() {
  find "$1" -path "$JGL_CAPTURE" -prune -o -printf '%P %y %m %u %s %l\n' | sort
}

# longest_line FILE: the length in bytes of FILE's longest line, LF included.
longest_line() {
  LC_ALL=C awk '{ n = length($0) + 1; if (n > m) m = n } END { print m + 0 }' "$1"
}

# --- The whole chain: tcpserver, jgreylist, msmtpd, swaks as the client.

# skip WHAT: a check that cannot run on this host (run-all reports it).
skip() { echo "skip - $*"; }

# have_ipv6: true when ::1 is configured on this host.
have_ipv6() { grep -q '^0\{31\}1 ' /proc/net/if_inet6 2>/dev/null; }

# smtp_serve NAME HOST [TCPSERVER_OPTION...] [-- VAR=value...]: starts, on a
# free port of HOST (127.0.0.1, ::1, or ::0 for both families),
#   tcpserver -HRl0 OPTIONS HOST PORT env JGREYLIST_DIR=$T/NAME/tree VARS \
#     jgreylist msmtpd --inetd --command="deliver-to-dir $T/NAME/mail -f %F --"
# and waits until it listens. RES_OPTIONS bounds msmtpd's reverse lookup of
# the client: a resolver that drops a query must not cost a session 10 s. $T/NAME holds tree/, mail/ (one *.eml file per
# delivered message), log (tcpserver's stderr, so jgreylist's log) and port.
smtp_serve() {
  local host=$2 dir=$T/$1 port
  local opts=() vars=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  vars=("$@")
  mkdir -p "$dir/tree" "$dir/mail"
  : >"$dir/log"
  echo 0 >"$dir/mark"
  port=$(free_port)
  echo "$port" >"$dir/port"
  background tcpserver -HRl0 "${opts[@]}" "$host" "$port" \
    env JGREYLIST_DIR="$dir/tree" RES_OPTIONS="timeout:1 attempts:1" "${vars[@]}" "$JGREYLIST" \
    msmtpd --inetd --command="$TOP/scripts/deliver-to-dir $dir/mail -f %F --" 2>>"$dir/log"
  wait_port "$port"
}

# smtp_send NAME HOST [SWAKS_OPTION...]: one SMTP session with the server
# NAME, connecting to HOST, 20 s at most. Sets RC (swaks's exit status: 0
# accepted, 24 no RCPT accepted) and OUT (its transcript); smtp_log then
# looks at what the server logged from this session on.
smtp_send() {
  local dir=$T/$1 host=$2
  shift 2
  stat -c %s "$dir/log" >"$dir/mark"
  OUT=$(timeout 20 swaks --server "$host" --port "$(cat "$dir/port")" \
    --from a@example.org --to b@example.net --timeout 10 "$@" 2>&1)
  RC=$?
}

# smtp_log WHAT NAME REGEX: the server NAME logged a line matching REGEX
# since the last smtp_send (waiting up to 2 s: a hang-up is logged last).
smtp_log() {
  local dir=$T/$2 got i
  for i in $(seq 1 40); do
    got=$(tail -c +"$(($(cat "$dir/mark") + 1))" "$dir/log")
    grep -Eq -- "$3" <<<"$got" && break
    sleep 0.05
  done
  expect_match "$1" "$3" "$got"
}

# smtp_reply VERB: the server's reply (its first line) to the client's first
# command starting with VERB ("RCPT TO", "RCPT TO:<c@") in the transcript $OUT.
smtp_reply() {
  awk -v verb="$1" '
    found && /^<[-*~]/ { sub(/^<[-*~]* +/, ""); print; exit }
    index($0, " -> " verb) == 1 { found = 1 }' <<<"$OUT"
}

# smtp_logged IP WORDS: a regex for jgreylist's log line "jgreylist[PID]: IP: WORDS".
smtp_logged() { printf '^jgreylist\\[[0-9]+\\]: %s: %s$' "${1//./\\.}" "$2"; }

# smtp_mail_count NAME: how many messages the server NAME delivered.
smtp_mail_count() { find "$T/$1/mail" -name '*.eml' | wc -l; }

# smtp_last_mail NAME: the newest message the server NAME delivered.
smtp_last_mail() { ls -t "$T/$1/mail"/*.eml 2>/dev/null | head -n 1; }

# smtp_rules NAME: compiles the rules on stdin into $T/NAME/rules.cdb with
# Debian's own tcprules (tcpserver rereads the cdb at each connection).
smtp_rules() {
  mkdir -p "$T/$1"
  /usr/bin/tcprules "$T/$1/rules.cdb" "$T/$1/rules.tmp"
}

# mode_of PATH: its permission bits in octal ("600"), or "missing".
mode_of() { stat -c %a "$1" 2>/dev/null || echo missing; }

# entry_at FILE FIRST_AGO LAST_AGO: an empty entry, mode 600 in directories
# made 700 on the way, first seen (mtime) FIRST_AGO and last seen (atime)
# LAST_AGO seconds before now.
entry_at() {
  local now
  now=$(date +%s)
  (umask 077 && mkdir -p "$(dirname "$1")" && : >"$1") &&
    touch -m -d "@$((now - $2))" "$1" && touch -a -d "@$((now - $3))" "$1"
}

# tree_times DIR: every name under DIR with its type and mtime, and for
# files their atime too (a directory's atime moves whenever it is listed),
# sorted; compare it before and after a run that must change nothing.
tree_times() {
  find "$1" \( -type f -printf '%P %y %m %A@ %T@\n' \) -o \( ! -type f -printf '%P %y %m %T@ %l\n' \) | sort
}
