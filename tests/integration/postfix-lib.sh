# postfix-lib.sh: a private Postfix for tests (sourced after lib.sh by
# policy-postfix.test, awl.test, correspondents.test, spf-key.test): Debian's package
# unpacked under $BUILD/postfix-root by scripts/get-postfix, never installed
# (../shared/POSTFIX.md); each instance's config, queue, mail and log under
# $T/NAME, smtpd on a free loopback port, every process stopped at exit.
R=$BUILD/postfix-root

# pf_setup: the package unpacked, its user and group there (made as root
# when missing), $T reachable by postfix and nobody. Prints "ok - ..." or
# "not ok - ..." and returns 1 when Postfix cannot run.
pf_setup() {
  local why
  if ! why=$("$TOP/scripts/get-postfix" "$BUILD" 2>&1 >/dev/null); then
    not_ok "Postfix unpacked from Debian's package into $R (scripts/get-postfix): $(tail -n 2 <<<"$why" | paste -sd ' ')"
    return 1
  fi
  ok "Postfix unpacked into $R (scripts/get-postfix)"

  # The package's postinst would make them; as root, make them if missing.
  if [ "$(id -u)" = 0 ]; then
    getent group postdrop >/dev/null || groupadd -r postdrop
    id postfix >/dev/null 2>&1 || useradd -r -d /nonexistent -s /usr/sbin/nologin postfix
  fi
  if [ "$(id -u)" != 0 ] || ! id postfix >/dev/null 2>&1 || ! getent group postdrop >/dev/null; then
    not_ok "Postfix can run: root, a postfix user and a postdrop group (uid $(id -u); $(id postfix 2>&1 | head -c 80))"
    return 1
  fi
  # Postfix's daemons run as postfix, the spawned policy as nobody: both must
  # reach their directories under $T.
  chmod 711 "$T"
}

# pf COMMAND ARG...: a command of the unpacked package. Its binaries find
# their libraries only through LD_LIBRARY_PATH (their RUNPATH is
# /usr/lib/postfix).
pf() { LD_LIBRARY_PATH=$R/usr/lib/postfix "$R/usr/sbin/$1" "${@:2}"; }

# descendants PID: PID and every process below it.
descendants() {
  local p
  echo "$1"
  for p in $(ps -o pid= --ppid "$1"); do descendants "$p"; done
}

_postfix_names=()
# postfix_stop NAME: postfix stop, then, 5 s later, kill -9 by PID whatever
# of the master and its descendants is left. Returns 1 if it had to.
postfix_stop() {
  local P=$T/$1 master pids=() p left=()
  master=$(tr -dc 0-9 <"$P/q/pid/master.pid" 2>/dev/null)
  [ -n "$master" ] && kill -0 "$master" 2>/dev/null && mapfile -t pids < <(descendants "$master")
  pf postfix -c "$P/conf" stop >/dev/null 2>&1
  alive() { local q; for q in "${pids[@]}"; do kill -0 "$q" 2>/dev/null && return 0; done; return 1; }
  wait_for 5 eval '! alive'
  for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && left+=("$p"); done
  [ ${#left[@]} -eq 0 ] && return 0
  kill -9 "${left[@]}" 2>/dev/null
  echo "    postfix_stop $1: killed ${left[*]} after postfix stop" >&2
  return 1
}
# Installed again by each postfix_start: redis_start installs its own.
_postfix_cleanup() {
  local n
  for n in "${_postfix_names[@]}"; do postfix_stop "$n"; done
  _redis_cleanup
}

# postfix_start NAME RESTRICTIONS [MASTER_LINE...] [-- MAIN_LINE...]: a
# Postfix in $T/NAME (conf/, q/, data/, mail/, maillog, port) by the
# recipe of ../shared/POSTFIX.md: smtpd on a free port of 127.0.0.1 (and
# ::1 where the host has it), smtpd_recipient_restrictions =
# reject_unauth_destination, RESTRICTIONS; mail for example.org delivered
# by virtual(8) into $T/NAME/mail/mailbox/. MASTER_LINEs are added to
# master.cf, MAIN_LINEs to main.cf.
postfix_start() {
  local name=$1 restrictions=$2 P=$T/$1 port interfaces=127.0.0.1 protocols=ipv4
  local master=() main=()
  shift 2
  while [ $# -gt 0 ] && [ "$1" != -- ]; do master+=("$1"); shift; done
  [ $# -gt 0 ] && shift
  main=("$@")
  mkdir -p "$P/conf" "$P/q" "$P/data" "$P/mail"
  chown postfix "$P/data" "$P/mail"
  port=$(free_port)
  echo "$port" >"$P/port"
  if have_ipv6; then interfaces="127.0.0.1, [::1]" protocols=all; fi
  cat >"$P/conf/main.cf" <<MAIN
compatibility_level = 3.6
queue_directory = $P/q
data_directory = $P/data
daemon_directory = $R/usr/lib/postfix/sbin
command_directory = $R/usr/sbin
shlib_directory = $R/usr/lib/postfix
meta_directory = $R/etc/postfix
mail_owner = postfix
setgid_group = postdrop
import_environment = MAIL_CONFIG MAIL_DEBUG MAIL_LOGTAG TZ LANG=C LD_LIBRARY_PATH=$R/usr/lib/postfix
inet_interfaces = $interfaces
inet_protocols = $protocols
myhostname = mx.example.org
mydestination =
alias_maps =
alias_database =
virtual_mailbox_domains = example.org
virtual_mailbox_base = $P/mail
virtual_mailbox_maps = static:mailbox/
virtual_uid_maps = static:$(id -u postfix)
virtual_gid_maps = static:$(id -g postfix)
mynetworks = 10.255.255.0/24
local_transport = error:local delivery disabled
notify_classes =
maillog_file = $P/maillog
maillog_file_prefixes = $P
smtpd_recipient_restrictions = reject_unauth_destination, $restrictions
biff = no
MAIN
  printf '%s\n' "${main[@]}" >>"$P/conf/main.cf"
  cat >"$P/conf/master.cf" <<MASTER
$port     inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
  printf '%s\n' "${master[@]}" >>"$P/conf/master.cf"
  if ! pf postfix -c "$P/conf" check >"$P/check.out" 2>&1; then
    echo "    postfix check for $name failed:" >&2
    sed 's/^/    /' "$P/check.out" >&2
    return 1
  fi
  _postfix_names+=("$name")
  trap _postfix_cleanup EXIT
  if ! pf postfix -c "$P/conf" start >"$P/start.out" 2>&1; then
    echo "    postfix start for $name failed:" >&2
    sed 's/^/    /' "$P/start.out" "$P/maillog" 2>/dev/null | tail -n 20 >&2
    return 1
  fi
  wait_port "$port"
}

# pf_send NAME HOST [SWAKS_OPTION...]: one SMTP session with the Postfix
# NAME at HOST, from a@example.net to b@example.org. Sets RC (swaks: 0
# accepted, 24 no RCPT accepted) and OUT (the transcript); marks its maillog.
pf_send() {
  local P=$T/$1 host=$2
  shift 2
  cat "$P/maillog" 2>/dev/null | wc -l >"$P/mark"
  OUT=$(timeout 40 swaks --server "$host" --port "$(cat "$P/port")" \
    --from a@example.net --to b@example.org --timeout 30 "$@" 2>&1)
  RC=$?
}

# pf_log WHAT NAME REGEX: the Postfix NAME logged a line matching REGEX
# since the last pf_send (waiting up to 5 s: postlogd writes it later).
pf_log() {
  local P=$T/$2 got
  seen() { got=$(tail -n +"$(($(cat "$P/mark") + 1))" "$P/maillog" 2>/dev/null); grep -Eq -- "$1" <<<"$got"; }
  wait_for 5 seen "$3"
  expect_match "$1" "$3" "$got"
}

# pf_mail NAME: the messages delivered into NAME's maildir.
pf_mail() { find "$T/$1/mail" -path '*/new/*' -type f 2>/dev/null; }
pf_mail_count() { pf_mail "$1" | wc -l; }
# pf_mail_arrives NAME N: until NAME's maildir holds N messages (10 s at most).
pf_mail_arrives() { wait_for 10 eval "[ \"\$(pf_mail_count $1)\" -ge $2 ]"; }

# The 450 that jgreylist-policy's DEFER_IF_PERMIT becomes at RCPT for pf_send's recipient.
PF_REFUSED="450 4.7.1 <b@example.org>: Recipient address rejected: greylisted, please try again later"
