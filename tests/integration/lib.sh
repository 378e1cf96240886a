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

ok() { _passed=$((_passed + 1)); echo "ok - $*"; }
not_ok() { _failed=$((_failed + 1)); echo "not ok - $*"; }
_passed=0
_failed=0

# summary: "N passed, N failed" for the checks of this shell, for a test run
# on its own (tests/run-all counts the lines itself); fails if any failed.
summary() {
  echo "$_passed passed, $_failed failed"
  [ "$_failed" -eq 0 ]
}

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
  mkdir -p "$T/$1/tree"
  _smtp_serve_with "$1" "$2" "JGREYLIST_DIR=$T/$1/tree" "${@:3}"
}

# _smtp_serve_with NAME HOST STORE_VARIABLE=VALUE [OPTION...] [-- VAR=value...]:
# smtp_serve with the store the variable names.
_smtp_serve_with() {
  local host=$2 store=$3 dir=$T/$1 port
  local opts=() vars=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  vars=("$@")
  mkdir -p "$dir/mail"
  : >"$dir/log"
  echo 0 >"$dir/mark"
  port=$(free_port)
  echo "$port" >"$dir/port"
  background tcpserver -HRl0 "${opts[@]}" "$host" "$port" \
    env "$store" RES_OPTIONS="timeout:1 attempts:1" "${vars[@]}" "$JGREYLIST" \
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

# data_reply: the server's reply to the end of DATA in the transcript $OUT.
data_reply() { awk '/^ -> \.$/ { found = 1; next } found && /^<[-*~]/ { sub(/^<[-*~]* +/, ""); print; exit }' <<<"$OUT"; }

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

# --- Redis: servers on loopback (a free port) or a unix socket in $T, each in
# its own directory, no persistence, stopped by PID at exit.

# ms_now: the time in milliseconds.
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# wait_for SECONDS CMD...: runs CMD every 0.1 s until it succeeds, SECONDS
# at most; fails if it never did.
wait_for() {
  local deadline=$(($(ms_now) + $1 * 1000))
  shift
  until "$@"; do
    [ "$(ms_now)" -ge "$deadline" ] && return 1
    sleep 0.1
  done
}

# A stopped server (kill -STOP) would never see the TERM sent at exit: let
# every server go on first. redis_start installs this instead of cleanup.
_redis_cleanup() {
  local p
  for p in "${_pids[@]}"; do kill -CONT "$p" 2>/dev/null; done
  cleanup
}

# redis_start NAME [REDIS_OPTION...]: starts redis-server in $T/NAME on a
# free port of 127.0.0.1 and ::1 (::1 where the host has it), without
# persistence, and waits until it answers PING (10 s at most). The options
# come last and override the defaults: `--port 0 --unixsocket PATH` for a
# socket only, `--requirepass PW` (remembered for redis_cli). $T/NAME holds
# port, pid (also $REDIS_PID), socket (if any) and log.
redis_start() {
  local name=$1 dir=$T/$1 port a prev=
  shift
  mkdir -p "$dir"
  rm -f "$dir/socket" "$dir/password"
  port=$(free_port)
  for a in "$@"; do
    case $prev in
      --port) port=$a ;;
      --unixsocket) echo "$a" >"$dir/socket" ;;
      --requirepass) printf '%s' "$a" >"$dir/password" ;;
    esac
    prev=$a
  done
  echo "$port" >"$dir/port"
  trap _redis_cleanup EXIT
  background redis-server --dir "$dir" --save '' --appendonly no \
    --bind 127.0.0.1 -::1 --port "$port" --daemonize no --logfile "$dir/log" "$@"
  REDIS_PID=$LAST_PID
  echo "$REDIS_PID" >"$dir/pid"
  if ! wait_for 10 redis_answers "$name"; then
    echo "    redis-server $name does not answer PING; its log:" >&2
    tail -n 5 "$dir/log" | sed 's/^/    /' >&2
    return 1
  fi
}

# redis_cli NAME ARG...: redis-cli against the server NAME (its port on
# 127.0.0.1, or its socket), with its password, 5 s at most.
redis_cli() {
  local dir=$T/$1 where
  shift
  if [ -s "$dir/socket" ]; then
    where=(-s "$(cat "$dir/socket")")
  else
    where=(-h 127.0.0.1 -p "$(cat "$dir/port")")
  fi
  if [ -e "$dir/password" ]; then
    REDISCLI_AUTH=$(cat "$dir/password") timeout 5 redis-cli "${where[@]}" "$@"
  else
    timeout 5 redis-cli "${where[@]}" "$@"
  fi
}

# redis_answers NAME: the server NAME answers PING.
redis_answers() { [ "$(redis_cli "$1" ping 2>/dev/null)" == PONG ]; }

# redis_url NAME [/DB]: "redis://127.0.0.1:PORT" for the server NAME.
redis_url() { echo "redis://127.0.0.1:$(cat "$T/$1/port")${2:-}"; }

# redis_stop NAME: stops the server NAME (even a stopped one) and waits for it.
redis_stop() {
  local pid
  pid=$(cat "$T/$1/pid")
  kill -CONT "$pid" 2>/dev/null
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# redis_kill NAME: kill -9, and waits until it is gone.
redis_kill() {
  local pid
  pid=$(cat "$T/$1/pid")
  kill -9 "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# redis_backdate NAME KEY SECONDS [DB]: moves the key's first and last sight
# SECONDS into the past. The key must exist (HSET would make one without a
# TTL): fails, saying so, if it does not.
redis_backdate() {
  local t
  t=$(($(date +%s) - $3))
  if [ "$(redis_cli "$1" -n "${4:-0}" EXISTS "$2")" != 1 ]; then
    echo "    redis_backdate: no key $2 in db ${4:-0} of $1" >&2
    return 1
  fi
  redis_cli "$1" -n "${4:-0}" HSET "$2" first "$t.0" last "$t.0" >/dev/null
}

# redis_ttl NAME KEY [DB]: the key's TTL in seconds (-2 no key, -1 no TTL).
redis_ttl() { redis_cli "$1" -n "${3:-0}" TTL "$2"; }

# redis_keys NAME [DB]: every key of the db, sorted, one a line.
redis_keys() { redis_cli "$1" -n "${2:-0}" --scan | LC_ALL=C sort; }

# redis_keys_without_ttl NAME: "DB KEY" for each key of any db of the server
# NAME that has no TTL.
redis_keys_without_ttl() {
  local db key
  for db in $(redis_cli "$1" INFO keyspace | sed -nE 's/^db([0-9]+):.*/\1/p'); do
    redis_cli "$1" -n "$db" --scan | while IFS= read -r key; do
      [ "$(redis_cli "$1" -n "$db" TTL "$key")" == -1 ] && echo "$db $key"
    done
  done
}

# smtp_serve_redis NAME HOST URL [TCPSERVER_OPTION...] [-- VAR=value...]: as
# smtp_serve, with the store in Redis (JGREYLIST_REDIS=URL) instead of a tree.
smtp_serve_redis() { _smtp_serve_with "$1" "$2" "JGREYLIST_REDIS=$3" "${@:4}"; }

# sentinel_start NAME MASTER_PORT [QUORUM]: starts redis-sentinel on a free
# port of 127.0.0.1 watching "mymaster" at 127.0.0.1:MASTER_PORT (quorum 2),
# down after 1 s, and waits until it answers PING. Its config, which it
# rewrites, is $T/NAME/sentinel.conf; port, pid, log as redis_start.
sentinel_start() {
  local name=$1 dir=$T/$1 port
  mkdir -p "$dir"
  port=$(free_port)
  echo "$port" >"$dir/port"
  cat >"$dir/sentinel.conf" <<CONF
port $port
bind 127.0.0.1
daemonize no
dir $dir
logfile $dir/log
sentinel monitor mymaster 127.0.0.1 $2 ${3:-2}
sentinel down-after-milliseconds mymaster 1000
sentinel failover-timeout mymaster 5000
sentinel parallel-syncs mymaster 1
CONF
  trap _redis_cleanup EXIT
  background redis-sentinel "$dir/sentinel.conf"
  echo "$LAST_PID" >"$dir/pid"
  if ! wait_for 10 redis_answers "$name"; then
    echo "    redis-sentinel $name does not answer PING; its log:" >&2
    tail -n 5 "$dir/log" | sed 's/^/    /' >&2
    return 1
  fi
}

# --- A real qmail-smtpd at the end of the chain (notqmail 1.08, built from
# ../shared/vendor/notqmail-1.08.tar.gz by scripts/build-qmail-smtpd):
#   tcpserver -> jgreylist -> qmail-smtpd -> $QMAILQUEUE
# qmail-smtpd chdirs to its compiled-in home ($BUILD/qmail/qmail-home, whose
# control/me is notqmail.invalid and control/rcpthosts example.net, the
# domain of smtp_send's recipient) and runs $QMAILQUEUE from there, with the
# message on fd 0, the envelope on fd 1 and a pipe on fd 6 for an error text.

# qmail_smtpd_build: builds qmail-smtpd under $BUILD/qmail (once per test
# run; the script does nothing when it is up to date) and sets QMAIL_SMTPD
# to the binary. Returns 3 when the notqmail tarball is absent (the caller
# reports its checks as skipped: qmail_skip_checks), 1 when it cannot be
# built (the script says why on stderr). NOTQMAIL_TARBALL=PATH in the
# environment names another tarball (a missing one to try the skips).
qmail_smtpd_build() {
  [ -n "${_qmail_smtpd_built:-}" ] && return 0
  local out rc
  out=$("$TOP/scripts/build-qmail-smtpd" "$BUILD/qmail")
  rc=$?
  [ "$rc" -eq 0 ] || return "$rc"
  QMAIL_SMTPD=$out
  _qmail_smtpd_built=1
}

# qmail_serve NAME HOST [TCPSERVER_OPTION...] [-- VAR=value...]: as
# smtp_serve, with qmail-smtpd instead of msmtpd:
#   tcpserver -HRl0 OPTIONS HOST PORT env JGREYLIST_DIR=$T/NAME/tree \
#     QMAILQUEUE=$T/NAME/qmail-queue VARS jgreylist $QMAIL_SMTPD
# $T/NAME/qmail-queue stores each message it is given as
# $T/NAME/queue/ID.message (fd 0, as received) and ID.envelope (fd 1, the
# raw "Fsender\0Trecipient\0...\0" envelope), IDs in the order received,
# and exits 0. A QMAILQUEUE=... among the VARs replaces it. $T/NAME also
# holds tree/, log, port, as smtp_serve; smtp_send and smtp_log work alike.
qmail_serve() {
  local name=$1 host=$2 dir=$T/$1 port
  local opts=() vars=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  vars=("$@")
  if [ -z "${QMAIL_SMTPD:-}" ]; then
    echo "    qmail_serve: no qmail-smtpd (call qmail_smtpd_build first)" >&2
    return 1
  fi
  mkdir -p "$dir/tree"
  : >"$dir/log"
  echo 0 >"$dir/mark"
  qmail_queue_script "$dir"
  port=$(free_port)
  echo "$port" >"$dir/port"
  background tcpserver -HRl0 "${opts[@]}" "$host" "$port" \
    env "JGREYLIST_DIR=$dir/tree" "QMAILQUEUE=$dir/qmail-queue" "${vars[@]}" \
    "$JGREYLIST" "$QMAIL_SMTPD" 2>>"$dir/log"
  wait_port "$port"
}

# qmail_queue_script DIR: DIR/qmail-queue, a stand-in for qmail-queue that
# stores each message it is given as DIR/queue/ID.message (fd 0, as
# received) and ID.envelope (fd 1, the raw "Fsender\0Trecipient\0...\0"
# envelope), IDs in the order received, and exits 0.
qmail_queue_script() {
  local dir=$1
  mkdir -p "$dir/queue"
  # Written under a dot name and renamed: a file without a dot is whole.
  # Exit 53 is qmail-queue's "write error or disk full" (451 to the client).
  cat >"$dir/qmail-queue" <<QUEUE
#!/bin/sh
q=$(printf %q "$dir/queue")
id=\$(date +%s%N).\$\$
cat >"\$q/.\$id.message" && cat <&1 >"\$q/.\$id.envelope" || exit 53
mv "\$q/.\$id.message" "\$q/\$id.message" && mv "\$q/.\$id.envelope" "\$q/\$id.envelope" || exit 53
exit 0
QUEUE
  chmod +x "$dir/qmail-queue"
}

# qmail_queued NAME: how many messages the server NAME's queue script stored.
qmail_queued() { find "$T/$1/queue" -name '*.message' ! -name '.*' 2>/dev/null | wc -l; }

# qmail_last NAME message|envelope: the newest one the server NAME stored.
qmail_last() { ls "$T/$1/queue"/*."$2" 2>/dev/null | tail -n 1; }

# qmail_skip_checks REASON: for a test whose server cannot be built (no
# notqmail tarball). From here on every check prints "skip - WHAT (REASON)"
# instead of running, and the helpers that would start or reach a server do
# nothing, so the test runs through and lists what it would have checked.
qmail_skip_checks() {
  _qmail_skip_reason=$1
  ok() { echo "skip - $* ($_qmail_skip_reason)"; }
  not_ok() { ok "$@"; }
  check() { ok "$1"; }
  expect_eq() { ok "$1"; }
  expect_match() { ok "$1"; }
  smtp_log() { ok "$1"; }
  qmail_serve() { :; }
  smtp_send() { OUT='' RC=''; }
  backdate() { :; }
}

# --- jgreylist-policy (Postfix's policy protocol) under the real tcpserver.

# policy_serve NAME HOST [TCPSERVER_OPTION...] [-- VAR=value...]: starts, on a
# free port of HOST,
#   tcpserver -vHRl0 OPTIONS HOST PORT env JGREYLIST_DIR=$T/NAME/tree VARS jgreylist-policy
# and waits until it listens. A VAR may override JGREYLIST_DIR (env applies
# them in order). $T/NAME holds tree/, log (tcpserver's stderr: with -v its
# own "pid N from IP" and "end N status S" lines, and jgreylist-policy's log)
# and port. Stopped by PID at exit, with every other server.
policy_serve() {
  mkdir -p "$T/$1/tree"
  _policy_serve_with "$1" "$2" "JGREYLIST_DIR=$T/$1/tree" "${@:3}"
}

# policy_serve_redis NAME HOST URL [TCPSERVER_OPTION...] [-- VAR=value...]:
# policy_serve with the store in Redis (JGREYLIST_REDIS=URL), no tree.
policy_serve_redis() { _policy_serve_with "$1" "$2" "JGREYLIST_REDIS=$3" "${@:4}"; }

_policy_serve_with() {
  local host=$2 store=$3 dir=$T/$1 port
  local opts=() vars=()
  shift 3
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  vars=("$@")
  mkdir -p "$dir"
  : >"$dir/log"
  echo 0 >"$dir/mark"
  port=$(free_port)
  echo "$port" >"$dir/port"
  background tcpserver -vHRl0 "${opts[@]}" "$host" "$port" \
    env "$store" "${vars[@]}" "$BIN/jgreylist-policy" 2>>"$dir/log"
  wait_port "$port"
}

# --- jgreylist-queue and jgreylist-policy run once, directly, without a server.

# queue_once ENVELOPE [VAR=value...]: jgreylist-queue run once as
# qmail-smtpd runs it (qmail-queue(8)): a short message on fd 0, the file
# ENVELOPE on fd 1, a file on fd 6 for its text; in a bare environment of
# PATH, the VARs (the store, TCPREMOTEIP, ...), JGREYLIST_QUEUE a program
# that leaves a mark and JGREYLIST_SPOOL $T/spool; 20 s at most. Sets RC,
# OUT (what it wrote on fd 6), ERR (stderr) and RESULT:
#   pass      the queue program ran, exit 0
#   grey      exit 82 with Z4.7.1 greylisted, the queue program not run
#   deferred  exit 82 with Z4.3.0, the queue program not run
#   other: .. anything else, with the facts
queue_once() {
  local envelope=$1 d=$T/.queue-once vars=()
  shift
  if [ ! -x "$d/qmail-queue" ]; then
    mkdir -p "$d" "$T/spool" "$JGL_CAPTURE"
    printf 'From: someone\nSubject: once\n\nbody\n' >"$d/message"
    printf '#!/bin/sh\ncat >/dev/null\necho queued >%q\n' "$d/queued" >"$d/qmail-queue"
    chmod +x "$d/qmail-queue"
  fi
  [ -n "${ASAN_OPTIONS:-}" ] && vars=("ASAN_OPTIONS=$ASAN_OPTIONS")
  [ -n "${UBSAN_OPTIONS:-}" ] && vars+=("UBSAN_OPTIONS=$UBSAN_OPTIONS")
  rm -f "$d/queued"
  : >"$JGL_CAPTURE/fd6"
  timeout 20 env -i PATH=/usr/bin:/bin "${vars[@]}" "JGREYLIST_QUEUE=$d/qmail-queue" "JGREYLIST_SPOOL=$T/spool" \
    "$@" "$BIN/jgreylist-queue" <"$d/message" 1<"$envelope" 2>"$JGL_CAPTURE/err" 6>"$JGL_CAPTURE/fd6"
  RC=$?
  OUT=$(tr -d '\0' <"$JGL_CAPTURE/fd6")
  ERR=$(tr -d '\0' <"$JGL_CAPTURE/err")
  if [ "$RC" == 0 ] && [ -e "$d/queued" ]; then
    RESULT=pass
  elif [ "$RC" == 82 ] && [[ $OUT == "Z4.7.1 greylisted"* ]] && [ ! -e "$d/queued" ]; then
    RESULT=grey
  elif [ "$RC" == 82 ] && [[ $OUT == "Z4.3.0 "* ]] && [ ! -e "$d/queued" ]; then
    RESULT=deferred
  else
    RESULT="other: exit $RC, fd 6 $OUT, queued $([ -e "$d/queued" ] && echo yes || echo no)"
  fi
}

# policy_once REQUEST [VAR=value...]: jgreylist-policy run once with the
# file REQUEST on stdin (jgl_run: a bare environment of the VARs). Sets RC,
# OUT (the answers), ERR and RESULT: pass (action=DUNNO), grey
# (DEFER_IF_PERMIT 4.7.1 greylisted), deferred (DEFER_IF_PERMIT 4.3.0), or
# "other: ..." with the facts.
policy_once() {
  local request=$1
  shift
  JGL_STDIN=$request jgl_run "$@" -- "$BIN/jgreylist-policy"
  case "$RC|$OUT" in
    "0|action=DUNNO") RESULT=pass ;;
    "0|action=DEFER_IF_PERMIT 4.7.1 greylisted, please try again later") RESULT=grey ;;
    "0|action=DEFER_IF_PERMIT 4.3.0 "*) RESULT=deferred ;;
    *) RESULT="other: exit $RC, answer $(paste -sd '|' <<<"$OUT")" ;;
  esac
}
