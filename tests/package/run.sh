#!/usr/bin/env bash
# Test of the Debian package (scripts/package) and its systemd unit.
#
# Usage: tests/package/run.sh [BUILD_DIR]   (default <repo>/build, as scripts/test leaves it)
# The package is made from BUILD_DIR's binaries (scripts/package reuses an existing build tree
# and only brings `signatory` and `signatory-cli` up to date there), so after scripts/test's
# build this costs seconds, not a build. Steps:
#   1. scripts/package; the control fields: Depends names the libraries the binaries link
#      (libsodium, libsecp256k1, libssl3, libyaml-cpp, libcurl, libpq) and adduser;
#      /etc/signatory/signatory.yaml is a conffile.
#   2. lintian: its output is printed; any error (E:) fails the test.
#   3. In a scratch root, a copy-on-write overlay of this machine's / in private mount and
#      network namespaces (unshare), so that nothing reaches the real system: `dpkg -i`; the
#      `signatory` user, /var/lib/signatory (0700 signatory), the config (0640 root:signatory),
#      the service not started; the installed `signatory version` and, as the service user,
#      `signatory-cli -c /etc/signatory/signatory.yaml list` (the vault file does not exist
#      yet), then `generate` and `list` again; the unit's ExecStart= run as its User= serves
#      that key, /healthz and /metrics on 127.0.0.1 and writes its marks, and (under strace)
#      makes no system call that the unit's SystemCallFilter= refuses; `systemd-analyze verify` and
#      `systemd-analyze security --offline=true` (the figure is printed, > 2.0 fails) on the
#      installed unit; `dpkg --purge` removes the files and the config but keeps the state.
# Everything made is removed at the end (the namespaces and their mounts vanish with the test).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"

failures=0
check() {  # check DESCRIPTION COMMAND...: runs COMMAND, prints ok/FAIL
  local what="$1"; shift
  if "$@"; then
    echo "ok   $what"
  else
    echo "FAIL $what"
    failures=$((failures + 1))
  fi
}

# The system calls a unit's SystemCallFilter= lines permit (allow lists, then ~deny lists),
# groups expanded with systemd-analyze syscall-filter; sorted.
syscalls_of() {
  local group word
  for group in "$@"; do
    systemd-analyze syscall-filter "$group" | tail -n +2 | sed 's/^ *//; /^#/d; /^$/d' |
      while read -r word; do
        case "$word" in @*) syscalls_of "$word" ;; *) echo "$word" ;; esac
      done
  done
}
permitted_syscalls() {
  local allow deny
  allow="$(sed -n 's/^SystemCallFilter=\([^~].*\)/\1/p' "$1")"
  deny="$(sed -n 's/^SystemCallFilter=~//p' "$1")"
  # shellcheck disable=SC2086  # lists of group names
  comm -23 <(syscalls_of $allow | sort -u) <(syscalls_of $deny | sort -u)
}

logged() {  # logged LOG COMMAND...: runs COMMAND with its output in LOG, shown if it fails
  local log="$1"; shift
  "$@" >"$log" 2>&1 || { sed 's/^/     | /' "$log"; return 1; }
}

# ---- inside the scratch root (run by the outer part through unshare + chroot) ------------------
if [ "${1:-}" = --inside ]; then
  deb="$2"
  unit=/usr/lib/systemd/system/signatory.service
  check "dpkg -i installs the package" logged /tmp/dpkg-i.log dpkg -i "$deb"
  check "the signatory system user exists" sh -c 'getent passwd signatory >/dev/null'
  check "its shell does not log in" sh -c 'getent passwd signatory | grep -q ":/usr/sbin/nologin$"'
  check "/var/lib/signatory is 0700 signatory:signatory" \
    test "$(stat -c '%a %U:%G' /var/lib/signatory)" = "700 signatory:signatory"
  check "the config is 0640 root:signatory" \
    test "$(stat -c '%a %U:%G' /etc/signatory/signatory.yaml)" = "640 root:signatory"
  check "dpkg lists the config as a conffile" \
    sh -c "dpkg-query --showformat='\${Conffiles}' -W signatory | grep -q '^ /etc/signatory/signatory.yaml '"
  check "the config is not readable by others" \
    sh -c '! runuser -u nobody -- cat /etc/signatory/signatory.yaml >/dev/null 2>&1'
  check "no signatory process was started" sh -c '! pgrep -x signatory'
  version="$(/usr/bin/signatory version)"
  echo "     signatory version: $(echo "$version" | tr '\n' ' ')"
  check "signatory version prints the revision" grep -q '^GitRevision: ' <<<"$version"
  check "signatory-cli -c <example> list works as the service user" \
    logged /tmp/list.log runuser -u signatory -- /usr/bin/signatory-cli -c /etc/signatory/signatory.yaml list
  check "list says the vault file does not exist yet" grep -q "Key file does not exist yet" /tmp/list.log
  check "the service user generates a key into /var/lib/signatory" \
    logged /tmp/generate.log runuser -u signatory -- \
      /usr/bin/signatory-cli -c /etc/signatory/signatory.yaml generate --vault local -t tz1
  check "the key file is 0600 signatory" \
    test "$(stat -c '%a %U' /var/lib/signatory/secret_keys)" = "600 signatory"
  pkh="$(sed -n 's/^Public Key Hash: *//p' /tmp/generate.log)"
  check "generate printed a tz1 (${pkh:-nothing})" grep -q '^tz1[1-9A-HJ-NP-Za-km-z]\{33\}$' <<<"$pkh"
  check "list shows the new key" \
    sh -c "runuser -u signatory -- /usr/bin/signatory-cli -c /etc/signatory/signatory.yaml list 2>/dev/null | grep -q '$pkh'"

  # The unit's own command line, as its own user, answers on the example's addresses.
  exec_start="$(sed -n 's/^ExecStart=//p' "$unit")"
  user="$(sed -n 's/^User=//p' "$unit")"
  echo "     ExecStart=$exec_start (User=$user)"
  ip link set lo up
  # Under strace, to compare the system calls it makes with the unit's SystemCallFilter=.
  # shellcheck disable=SC2086  # ExecStart is a plain word list
  setpriv --reuid="$user" --regid="$user" --init-groups -- \
    strace -f -qq -o /tmp/serve.strace $exec_start >/tmp/serve.log 2>&1 &
  tracer=$!
  for _ in $(seq 100); do
    curl -s -o /dev/null http://127.0.0.1:9583/healthz && break
    sleep 0.1
  done
  serve="$(pgrep -P "$tracer" | head -1)"
  check "the service serves the new key's public key" \
    sh -c "curl -sf http://127.0.0.1:6732/keys/$pkh | grep -q public_key"
  check "the service answers /metrics" \
    sh -c 'curl -sf http://127.0.0.1:9583/metrics | grep -q "^signatory_build_info{"'
  healthz="$(curl -s -w '%{http_code}' http://127.0.0.1:9583/healthz | tr -d '\n' || true)"
  echo "     /healthz: $healthz"
  check "/healthz answers 200 ready" \
    test "$healthz" = '{"ready":true}200'
  check "the service wrote its watermark store under /var/lib/signatory" \
    sh -c 'test -n "$(find /var/lib/signatory -mindepth 1 -user signatory | head -1)"'
  kill -TERM "$serve"
  serve_rc=0
  wait "$tracer" || serve_rc=$?  # strace exits with the traced process's status
  check "SIGTERM stops it cleanly (exit status $serve_rc)" test "$serve_rc" -eq 0
  [ "$serve_rc" -eq 0 ] || sed 's/^/     serve: /' /tmp/serve.log
  sed -n 's/^[0-9]* *\([a-z_0-9]*\)(.*/\1/p' /tmp/serve.strace | sort -u >/tmp/used.txt
  permitted_syscalls "$unit" >/tmp/permitted.txt
  refused="$(comm -23 /tmp/used.txt /tmp/permitted.txt | tr '\n' ' ')"
  check "the $(wc -l </tmp/used.txt) system calls it made are all in SystemCallFilter= (${refused:-none refused})" \
    test -z "$refused"

  check "systemd-analyze verify passes" systemd-analyze verify "$unit"
  security="$(systemd-analyze security --offline=true "$unit" 2>&1 | tail -1)"
  echo "     $security"
  figure="$(sed -n 's/.*exposure level for [^:]*: \([0-9.]*\).*/\1/p' <<<"$security")"
  check "systemd-analyze security rates the unit <= 2.0 (got ${figure:-none})" \
    awk -v f="${figure:-99}" 'BEGIN { exit !(f <= 2.0) }'

  check "dpkg --purge removes the package" logged /tmp/dpkg-purge.log dpkg --purge signatory
  check "the binaries are gone" test ! -e /usr/bin/signatory -a ! -e /usr/bin/signatory-cli
  check "the config is gone" test ! -e /etc/signatory
  check "the state (keys, marks) is kept" test -d /var/lib/signatory
  exit $((failures > 0))
fi

# ---- outside -----------------------------------------------------------------------------------
build_dir="${1:-$repo/build}"
for tool in unshare chroot lintian systemd-analyze dpkg-deb curl ip strace; do
  command -v "$tool" >/dev/null || { echo "package test: $tool not found (scripts/install-deps)" >&2; exit 1; }
done
if [ "$(id -u)" -ne 0 ]; then
  echo "package test: needs root (namespaces and an overlay mount for the scratch root)" >&2
  exit 1
fi

tmp="$(mktemp -d "${TMPDIR:-/tmp}/signatory-package-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

deb="$("$repo/scripts/package" "$build_dir" "$tmp/dist" | tail -1)"
echo "package: $deb"
depends="$(dpkg-deb -f "$deb" Depends)"
echo "     Depends: $depends"
for lib in adduser libsodium23 libsecp256k1 libssl3 libyaml-cpp libcurl4 libpq5; do
  check "Depends names $lib" grep -q "\(^\|, \)$lib" <<<"$depends"
done
check "the config is a conffile" \
  sh -c "dpkg-deb --ctrl-tarfile '$deb' | tar -xO ./conffiles | grep -qx /etc/signatory/signatory.yaml"
for path in usr/share/doc/signatory/copyright usr/share/doc/signatory/README.md \
  usr/share/bash-completion/completions/signatory-cli usr/share/zsh/vendor-completions/_signatory-cli \
  usr/share/fish/vendor_completions.d/signatory-cli.fish; do
  check "the package holds /$path" sh -c "dpkg-deb --fsys-tarfile '$deb' | tar -t | grep -qx './$path'"
done

no_lintian_error() { ! grep -q '^E: ' <<<"$lintian_out"; }
echo "lintian:"
lintian_out="$(lintian "$deb" 2>&1 || true)"
sed 's/^/     /' <<<"${lintian_out:-(no tags)}"
check "lintian reports no error" no_lintian_error

# The scratch root: this machine's / as a read-only lower layer, writes to $tmp/upper.
mkdir -p "$tmp/upper" "$tmp/work" "$tmp/root"
inside=0
unshare --mount --net --pid --fork bash -c '
  set -e
  tmp="$1"; deb="$2"; script="$3"
  mount --make-rprivate /
  mount -t overlay overlay -o "lowerdir=/,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/root"
  mount -t proc proc "$tmp/root/proc"
  mount --rbind /dev "$tmp/root/dev"
  mount -t tmpfs tmpfs "$tmp/root/run"
  mount -t tmpfs tmpfs "$tmp/root/tmp"
  mkdir -p "$tmp/root/tmp/pkg" "$tmp/root/tmp/test"
  cp "$deb" "$tmp/root/tmp/pkg/"
  cp "$script" "$tmp/root/tmp/test/run.sh"
  exec chroot "$tmp/root" bash /tmp/test/run.sh --inside "/tmp/pkg/$(basename "$deb")"
' scratch "$tmp" "$deb" "$here/run.sh" || inside=1
if [ "$inside" -ne 0 ]; then
  echo "FAIL checks in the scratch root (above)"
  failures=$((failures + 1))
fi

if [ "$failures" -gt 0 ]; then
  echo "package test: $failures failed"
  exit 1
fi
echo "package test: all checks passed"
