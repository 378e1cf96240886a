# spf-lib.sh: nsd on loopback for the SPF tests (spf-walk.test,
# spf-whitelist.test), sourced after lib.sh. Debian's nsd through
# tests/helpers/spf-nsd, in the test's own directory $T/nsd, on a free port,
# stopped by its PID.

NSD_PID=
NSD_PORT=

# nsd_start ZONEFILE...: nsd serving the zones (NAME.zone serves NAME) on a
# free port, $NSD_PORT, ready when it answers the SOA of the first zone's
# name; 1, with nsd's last words on stderr, when it does not start.
nsd_start() {
  local _ apex
  apex=$(basename "$1")
  apex=${apex%%.zone*}
  for _ in 1 2 3; do
    NSD_PORT=$(free_port)
    background "$TOP/tests/helpers/spf-nsd" "$T/nsd" "$NSD_PORT" "$@" >>"$T/nsd.out" 2>&1
    NSD_PID=$LAST_PID
    for _ in $(seq 1 100); do
      # (dig +short prints its errors on stdout too: look for the answer)
      dig +short +time=1 +tries=1 @127.0.0.1 -p "$NSD_PORT" SOA "$apex" 2>/dev/null | grep -q '^ns\.' && return 0
      kill -0 "$NSD_PID" 2>/dev/null || break
      sleep 0.05
    done
    nsd_stop
  done
  echo "    nsd did not start; its output:" >&2
  tail -n 5 "$T/nsd.out" "$T/nsd/nsd.log" 2>/dev/null | sed 's/^/    /' >&2
  return 1
}

# family PID: PID and its descendants.
family() {
  local child
  echo "$1"
  for child in $(ps -o pid= --ppid "$1"); do family "$child"; done
}

# nsd_signal SIGNAL: to nsd and its descendants (the process that answers
# is a grandchild of the one started).
nsd_signal() {
  [ -n "$NSD_PID" ] || return 0
  # shellcheck disable=SC2046
  kill -"$1" $(family "$NSD_PID") 2>/dev/null
}

# nsd_stop: nsd stopped by its PID, woken first if it was frozen (STOP).
nsd_stop() {
  [ -n "$NSD_PID" ] || return 0
  nsd_signal CONT
  kill "$NSD_PID" 2>/dev/null
  wait "$NSD_PID" 2>/dev/null
  NSD_PID=
}
