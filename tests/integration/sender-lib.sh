# sender-lib.sh: helpers for the tests of what jgreylist-queue and
# jgreylist-policy learn of senders beyond the triplet (awl.test,
# correspondents.test): auto-whitelisting (JGREYLIST_AWL) and
# correspondents (JGREYLIST_CORRESPONDENTS). Sourced after lib.sh.
#
# Each program runs directly, one message or one request at a time, in a
# bare environment (lib.sh's queue_once and policy_once).
# Each program has its own store: a tree $T/PROG/tree, or a db of our own
# redis-server "r" (loopback, a free port, stopped by PID at exit). An
# entry is named as the program names it (jgreylist-queue(8)): in the tree
# by its path, in Redis by its key.
QF=$BIN/jgreylist-queue
POLICY=$BIN/jgreylist-policy
declare -A SL_DB=([queue]=1 [policy]=2)
DAY=86400

# sl_setup: the programs are built and the Redis server "r" answers; exits if not.
sl_setup() {
  local p
  for p in "$QF" "$POLICY"; do
    if [ ! -x "$p" ]; then
      not_ok "$(basename "$p") is built: make BUILD=$BUILD $p"
      exit 1
    fi
  done
  if ! redis_start r; then
    not_ok "redis-server starts and answers PING"
    exit 1
  fi
  mkdir -p "$T/in" "$T/spool" "$T/queue/tree" "$T/policy/tree"
}

# sl_store_var PROG STORE: the variable that names PROG's store (tree|redis).
sl_store_var() {
  if [ "$2" == tree ]; then echo "JGREYLIST_DIR=$T/$1/tree"; else echo "JGREYLIST_REDIS=$(redis_url r "/${SL_DB[$1]}")"; fi
}

# sl_digest PART...: the SHA-256 of the parts joined by NUL bytes.
sl_digest() {
  local first=$1
  shift
  { printf '%s' "$first"; [ $# -gt 0 ] && printf '\0%s' "$@"; } | sha256sum | cut -c1-64
}

# sl_hashed PROG STORE KIND DIGEST_OR_NAME: a hashed entry's path in PROG's
# tree (KIND/ab/cd/<60 hex>, the digest of the name), or its Redis key.
sl_hashed() {
  local d
  if [ "$2" == tree ]; then
    d=$4
    [ "$3" == awl ] && d=$(sl_digest "$4")
    if [ "$3" == triplet ]; then
      echo "$T/$1/tree/$3/${d:0:2}/${d:2:2}/${d:4}"
    else
      echo "$T/$1/tree/$3/${d:0:2}/${d:2}"
    fi
  else
    echo "jgreylist:$3:$4"
  fi
}

# sl_awl PROG STORE CIDR: the network's awl entry.
sl_awl() { sl_hashed "$1" "$2" awl "$3"; }
# sl_corr PROG STORE OUTSIDE LOCAL: the correspondent entry (addresses as stored).
sl_corr() { sl_hashed "$1" "$2" corr "$(sl_digest "$3" "$4")"; }
# sl_triplet PROG STORE CIDR SENDER RECIPIENT: the triplet's entry.
sl_triplet() { sl_hashed "$1" "$2" triplet "$(sl_digest "$3" "$4" "$5")"; }

# sl_redis PROG ARG...: redis-cli on PROG's db.
sl_redis() { redis_cli r -n "${SL_DB[$1]}" "${@:2}"; }

# sl_seed_triplet PROG STORE CIDR SENDER RECIPIENT: the triplet known
# (validated: first seen 10 days ago, last seen a day ago).
sl_seed_triplet() {
  local prog=$1 store=$2 name now
  name=$(sl_triplet "$@")
  now=$(date +%s)
  if [ "$store" == tree ]; then
    (umask 077 && mkdir -p "$(dirname "$name")" && printf '%s\0%s\0%s\0' "$3" "$4" "$5" >"$name") &&
      touch -m -d "@$((now - 10 * DAY))" "$name" && touch -a -d "@$((now - DAY))" "$name"
  else
    sl_redis "$prog" HSET "$name" first "$((now - 10 * DAY)).0" last "$((now - DAY)).0" \
      client "$3" sender "$4" recipient "$5" >/dev/null &&
      [ "$(sl_redis "$prog" EXPIRE "$name" $((40 * DAY)))" == 1 ]
  fi
}

# sl_backdate PROG STORE NAME FIRST_AGO LAST_AGO: an existing entry first
# seen FIRST_AGO and last seen LAST_AGO seconds before now (Redis: its TTL
# left as it is); BACKDATED_FIRST is the first sighting set. Fails, saying
# so, when there is no such entry.
sl_backdate() {
  local prog=$1 store=$2 name=$3 now
  now=$(date +%s)
  BACKDATED_FIRST=$((now - $4))
  if [ "$store" == tree ]; then
    [ -f "$name" ] || { echo "    sl_backdate: no entry $name" >&2; return 1; }
    touch -m -d "@$((now - $4))" "$name" && touch -a -d "@$((now - $5))" "$name"
  else
    [ "$(sl_redis "$prog" EXISTS "$name")" == 1 ] || { echo "    sl_backdate: no key $name" >&2; return 1; }
    sl_redis "$prog" HSET "$name" first "$((now - $4)).0" last "$((now - $5)).0" >/dev/null
  fi
}

# sl_times PROG STORE NAME: "FIRST LAST" in whole seconds (the tree's mtime
# and atime), or "none".
sl_times() {
  local f l
  if [ "$2" == tree ]; then
    stat -c '%Y %X' "$3" 2>/dev/null || echo none
  else
    f=$(sl_redis "$1" HGET "$3" first)
    l=$(sl_redis "$1" HGET "$3" last)
    if [ -z "$f" ]; then echo none; else echo "${f%%.*} ${l%%.*}"; fi
  fi
}

# sl_fields PROG STORE NAME: the entry's contents, NULs shown as "|" (the
# tree; read with O_NOATIME, since a read would move the last sighting),
# or its hash's fields but the times, "field=value" sorted and joined by
# " " (Redis); "none" when there is no entry.
sl_fields() {
  if [ "$2" == tree ]; then
    if [ -f "$3" ]; then dd if="$3" iflag=noatime status=none | tr '\0' '|'; else echo none; fi
  elif [ "$(sl_redis "$1" EXISTS "$3")" == 1 ]; then
    sl_redis "$1" HGETALL "$3" | paste -d= - - | grep -Ev '^(first|last)=' | LC_ALL=C sort | paste -sd' '
  else
    echo none
  fi
}

# sl_ttl_near WHAT PROG NAME SECONDS: the Redis key's TTL is SECONDS, give
# or take a minute.
sl_ttl_near() {
  local ttl
  ttl=$(sl_redis "$2" TTL "$3")
  check "$1 (TTL $ttl s, expected about $4)" test "${ttl:-0}" -gt $(($4 - 60)) -a "${ttl:-0}" -le "$4"
}

# sl_tree_modes WHAT NAME: a tree entry is mode 600, its two directories 700.
sl_tree_modes() {
  expect_eq "$1" "600 700 700" "$(mode_of "$2") $(mode_of "$(dirname "$2")") $(mode_of "$(dirname "$(dirname "$2")")")"
}

# sl_within WHAT TIMES [FIRST]: "FIRST LAST" both within the last attempt
# (T0..T1); with FIRST, the first sighting that one and the last within.
sl_within() {
  local f l want_f
  read -r f l <<<"$2"
  if [ $# -ge 3 ]; then
    want_f=$3
    check "$1 (first, last: $2; first expected $want_f, last in $T0..$T1)" \
      test "${f:-0}" -eq "$want_f" -a "${l:-0}" -ge "$T0" -a "${l:-0}" -le "$T1"
  else
    check "$1 (first, last: $2; the attempt: $T0..$T1)" \
      test "${f:-0}" -ge "$T0" -a "${f:-0}" -le "$T1" -a "${l:-0}" -ge "$T0" -a "${l:-0}" -le "$T1"
  fi
}

# sl_send PROG STORE CLIENT SENDER RECIPIENT [VAR=value...]: one message
# (jgreylist-queue; RECIPIENT may be several, joined by ",") or one RCPT
# request (jgreylist-policy, JGREYLIST_KEY=triplet) from CLIENT. A VAR of
# sasl_username=NAME is no variable but the request's attribute. Sets T0
# and T1 (the time around it), RC, OUT, ERR and RESULT (pass, grey,
# deferred or other: queue_once, policy_once), and LOG (stderr with "[PID]"
# for the PID).
sl_send() {
  local prog=$1 store=$2 client=$3 sender=$4 rcpts=$5 vars=() attrs='' v r
  shift 5
  for v in "$@"; do
    case $v in
      sasl_username=*) attrs+="$v"$'\n' ;;
      *) vars+=("$v") ;;
    esac
  done
  T0=$(date +%s)
  if [ "$prog" == queue ]; then
    { printf 'F%s\0' "$sender"; for r in ${rcpts//,/ }; do printf 'T%s\0' "$r"; done; printf '\0'; } >"$T/in/envelope"
    queue_once "$T/in/envelope" "$(sl_store_var "$prog" "$store")" "TCPREMOTEIP=$client" "${vars[@]}"
  else
    printf 'request=smtpd_access_policy\nprotocol_state=RCPT\nclient_address=%s\nsender=%s\nrecipient=%s\n%s\n' \
      "$client" "$sender" "$rcpts" "$attrs" >"$T/in/request"
    policy_once "$T/in/request" "$(sl_store_var "$prog" "$store")" JGREYLIST_KEY=triplet "${vars[@]}"
  fi
  T1=$(date +%s)
  LOG=$(sed -E 's/^([a-z-]+)\[[0-9]+\]: /\1[PID]: /' <<<"$ERR")
}

# sl_logged PROG CLIENT WORDS: the log line "jgreylist-PROG[PID]: CLIENT: WORDS".
sl_logged() { echo "jgreylist-$1[PID]: $2: $3"; }

# sl_expect WHAT RESULT LOGLINE: the last sl_send's RESULT and its whole log.
sl_expect() { expect_eq "$1" "$2 | $3" "$RESULT | $LOG"; }

# --- A real qmail-smtpd (lib.sh's qmail_smtpd_build) with jgreylist-queue
# as its QMAILQUEUE, no connect-time jgreylist in front.

# sl_qmail_build: builds qmail-smtpd; 0 when it is there. Without the
# notqmail tarball says "skip - ..." and returns 1; when it does not build,
# "not ok - ..." and returns 1.
sl_qmail_build() {
  qmail_smtpd_build
  case $? in
    0) return 0 ;;
    3) skip "the checks behind a real qmail-smtpd (no notqmail source)" ;;
    *) not_ok "qmail-smtpd builds from the notqmail source (scripts/build-qmail-smtpd)" ;;
  esac
  return 1
}

# sl_qmail_serve NAME [TCPSERVER_OPTION...] [-- VAR=value...]: on a free
# port of 127.0.0.1,
#   tcpserver -HRl0 OPTIONS 127.0.0.1 PORT env JGREYLIST_DIR=$T/NAME/tree \
#     QMAILQUEUE=jgreylist-queue JGREYLIST_QUEUE=$T/NAME/qmail-queue VARS qmail-smtpd
# The queue program stores each message it is given as $T/NAME/queue/N
# (sl_qmail_queued counts them). smtp_send and smtp_log work with NAME.
sl_qmail_serve() {
  local name=$1 dir=$T/$1 port opts=()
  shift
  while [ $# -gt 0 ] && [ "$1" != -- ]; do opts+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  mkdir -p "$dir/tree" "$dir/queue"
  : >"$dir/log"
  echo 0 >"$dir/mark"
  printf '#!/bin/sh\ncat >%q/$$ || exit 53\n' "$dir/queue" >"$dir/qmail-queue"
  chmod +x "$dir/qmail-queue"
  port=$(free_port)
  echo "$port" >"$dir/port"
  background tcpserver -HRl0 "${opts[@]}" 127.0.0.1 "$port" \
    env "JGREYLIST_DIR=$dir/tree" "QMAILQUEUE=$QF" "JGREYLIST_QUEUE=$dir/qmail-queue" "JGREYLIST_SPOOL=$T/spool" \
    "$@" "$QMAIL_SMTPD" 2>>"$dir/log"
  wait_port "$port"
}

# sl_qmail_queued NAME: how many messages NAME's queue program stored.
sl_qmail_queued() { find "$T/$1/queue" -type f | wc -l; }

# sl_policy_ask NAME ATTR=VALUE...: one RCPT request of the ATTRs to the
# jgreylist-policy server NAME (lib.sh's policy_serve) over TCP, by
# tcpclient, on a connection of its own. Sets ANSWER (the answer's lines
# but the empty one) and LOG (what jgreylist-policy logged meanwhile,
# "[PID]" for its PID).
sl_policy_ask() {
  local dir=$T/$1 mark
  shift
  mark=$(stat -c %s "$dir/log")
  ANSWER=$({ printf 'request=smtpd_access_policy\nprotocol_state=RCPT\n'; printf '%s\n' "$@"; echo; } |
    timeout 10 tcpclient -RHl0 127.0.0.1 "$(cat "$dir/port")" \
      sh -c 'cat >&7; while IFS= read -r l <&6 && [ -n "$l" ]; do echo "$l"; done')
  # The log line is written before the answer.
  LOG=$(tail -c +"$((mark + 1))" "$dir/log" | grep '^jgreylist-policy' | sed -E 's/^([a-z-]+)\[[0-9]+\]: /\1[PID]: /')
}
