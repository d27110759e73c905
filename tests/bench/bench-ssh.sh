#!/bin/bash
# SSH benchmark (not run by make check):
#   `machinectl ssh NAME true` with each client beside OpenSSH's `ssh -i KEY ... true`,
#   median of 20 runs each; then 100 MB each way with machinectl scp (each client)
#   beside OpenSSH's scp; all against the same sshd on 127.0.0.1.
#
#   MC_BIN=_build/machinectl tests/bench/bench-ssh.sh [RUNS]
#
# Use a build without sanitizers for numbers worth comparing.
set -u
MC_SRCDIR=${MC_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
: "${MC_BIN:=$MC_SRCDIR/_build/machinectl}"
export MC_BIN MC_SRCDIR
RUNS=${1:-20}
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/lib/sshd-fixture.sh"
# With BENCH_JSONL set (scripts/bench), each figure is also a JSON record.
. "$MC_SRCDIR/tests/bench/lib-bench.sh"
sshd_start >/dev/null
mc_generic b1
KEY="$STORE/machines/b1/id_ed25519"
OPENSSH=(-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityAgent=none -i "$KEY"
	-o UserKnownHostsFile="$STORE/machines/b1/known_hosts" -o HostKeyAlias=b1 -o StrictHostKeyChecking=yes)
mc ssh b1 true   # pins the host key for everyone below

ms() { echo $(($(date +%s%N) / 1000000)); }
# samples RUNS COMMAND...: the wall time of each run in ms (one per line)
samples() {
	local n=$1 i t0
	shift
	for ((i = 0; i < n; i++)); do
		t0=$(date +%s%N)
		"$@" </dev/null >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
		awk -v d=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
	done
}
# median ID RUNS COMMAND...: print the median wall time in ms; record all runs
median() {
	local id=$1 n=$2 s
	shift 2
	s=$(samples "$n" "$@") || return 1
	# shellcheck disable=SC2086
	bench_samples "$id" "$*" ms $s >/dev/null
	sort -g <<<"$s" | awk '{ a[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}
once() { # once ID COMMAND...: wall time in ms, recorded
	local id=$1 t0 t
	shift
	t0=$(date +%s%N)
	"$@" </dev/null >/dev/null 2>&1 || { echo "FAILED: $*" >&2; return 1; }
	t=$(awk -v d=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.1f\n", d / 1e6 }')
	bench_samples "$id" "$*" ms "$t" >/dev/null
	echo "$t"
}

echo "machinectl: $MC_BIN"
echo "sshd: 127.0.0.1:$SSHD_PORT; OpenSSH: $(ssh -V 2>&1)"
echo
printf '%-44s %8s\n' "ssh NAME true (median of $RUNS)" "ms"
printf '%-44s %8s\n' "machinectl ssh b1 true (system ssh)" "$(median ssh.true.external "$RUNS" "$MC_BIN" ssh b1 true)"
printf '%-44s %8s\n' "machinectl --native-ssh ssh b1 true" "$(median ssh.true.native "$RUNS" "$MC_BIN" --native-ssh ssh b1 true)"
printf '%-44s %8s\n' "OpenSSH ssh -i KEY ... true" "$(median ssh.true.openssh "$RUNS" ssh "${OPENSSH[@]}" -p "$SSHD_PORT" "$(id -un)@127.0.0.1" true)"

head -c 100000000 /dev/urandom >"$TEST_TMP/big"
R="$TEST_TMP/remote"
mkdir -p "$R"
echo
printf '%-44s %8s %8s\n' "100 MB copy" "up ms" "down ms"
up=$(once scp.up.external "$MC_BIN" scp -q "$TEST_TMP/big" "b1:$R/a")
down=$(once scp.down.external "$MC_BIN" scp -q "b1:$R/a" "$TEST_TMP/a")
printf '%-44s %8s %8s\n' "machinectl scp (system scp)" "$up" "$down"
up=$(once scp.up.native "$MC_BIN" --native-ssh scp -q "$TEST_TMP/big" "b1:$R/b")
down=$(once scp.down.native "$MC_BIN" --native-ssh scp -q "b1:$R/b" "$TEST_TMP/b")
printf '%-44s %8s %8s\n' "machinectl --native-ssh scp (SFTP, libssh)" "$up" "$down"
up=$(once scp.up.openssh scp -q "${OPENSSH[@]}" -P "$SSHD_PORT" "$TEST_TMP/big" "$(id -un)@127.0.0.1:$R/c")
down=$(once scp.down.openssh scp -q "${OPENSSH[@]}" -P "$SSHD_PORT" "$(id -un)@127.0.0.1:$R/c" "$TEST_TMP/c")
printf '%-44s %8s %8s\n' "OpenSSH scp" "$up" "$down"
for f in a b c; do
	cmp -s "$TEST_TMP/big" "$TEST_TMP/$f" || echo "WARNING: copy $f differs from the original" >&2
done
