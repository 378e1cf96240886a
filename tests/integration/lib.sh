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
