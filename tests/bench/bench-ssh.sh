#!/bin/bash
# SSH benchmark (not run by make check):
#   `machinectl ssh NAME true` with each client beside OpenSSH's `ssh -i KEY ... true`,
#   median of 20 runs each, the three commands taking turns (one round = one run
#   of each, the order rotating); then 100 MB each way with machinectl scp (each
#   client) beside OpenSSH's scp; all against the same sshd on 127.0.0.1.
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

# The three `ssh NAME true` commands (nothing else timed: no `id` per run);
# each figure's label is its command line.
ME=$(id -un)
run_external() { "$MC_BIN" ssh b1 true; }
run_native() { "$MC_BIN" --native-ssh ssh b1 true; }
run_openssh() { ssh "${OPENSSH[@]}" -p "$SSHD_PORT" "$ME@127.0.0.1" true; }
declare -A LABEL=(
	[external]="$MC_BIN ssh b1 true"
	[native]="$MC_BIN --native-ssh ssh b1 true"
	[openssh]="ssh ${OPENSSH[*]} -p $SSHD_PORT $ME@127.0.0.1 true"
)
# rounds RUNS NAME...: RUNS rounds, each running every run_NAME once, the
# order rotating; the wall times in ms go to $TEST_TMP/times.NAME.  Taking
# turns matters on a shared machine: the load drifts within seconds, and
# blocks of RUNS runs of one command, then of the next, gave external/OpenSSH
# ratios from 0.72 to 1.33 for clients doing the same work.
rounds() {
	local n=$1 i j k t0 name
	shift
	local names=("$@")
	for name in "${names[@]}"; do : >"$TEST_TMP/times.$name"; done
	for ((i = 0; i < n; i++)); do
		for ((j = 0; j < ${#names[@]}; j++)); do
			k=$(((i + j) % ${#names[@]}))
			name=${names[$k]}
			t0=$(date +%s%N)
			"run_$name" </dev/null >/dev/null 2>&1 || { echo "FAILED: ${LABEL[$name]}" >&2; return 1; }
			awk -v d=$(($(date +%s%N) - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }' >>"$TEST_TMP/times.$name"
		done
	done
}
# median NAME ID: print the median of NAME's wall times in ms; record all runs
median() {
	local name=$1 id=$2
	# shellcheck disable=SC2046
	bench_samples "$id" "${LABEL[$name]}" ms $(cat "$TEST_TMP/times.$name") >/dev/null
	sort -g "$TEST_TMP/times.$name" |
		awk '{ a[NR] = $1 } END { printf "%.1f\n", (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
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
rounds "$RUNS" external native openssh || exit 1
printf '%-44s %8s\n' "ssh NAME true (median of $RUNS, taking turns)" "ms"
printf '%-44s %8s\n' "machinectl ssh b1 true (system ssh)" "$(median external ssh.true.external)"
printf '%-44s %8s\n' "machinectl --native-ssh ssh b1 true" "$(median native ssh.true.native)"
printf '%-44s %8s\n' "OpenSSH ssh -i KEY ... true" "$(median openssh ssh.true.openssh)"

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
