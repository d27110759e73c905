#!/bin/bash
# The swarm steps of the tutorial again and again, on real VMs, to catch what
# fails once in a while (issue 23 item 13: swarm-down failed once in four runs
# of a three-node variant).  Not part of `make check-e2e` or CI: one run takes
# 5-10 minutes under TCG, and the point is many of them.
#
#   tests/e2e/swarm-loop.sh [RUNS]        (default 10; as root, after `make`)
#
# Environment: MC_BIN (default: ./machinectl of the current directory),
# MC_LOOP_NODES (2 or 3, default 3), MC_LOOP_LOGDIR (default
# ./tests/e2e/logs/swarm-loop), MC_LOOP_TUTORIAL=1 to run tests/e2e/tutorial.sh
# after each round as well.
#
# Each round, in one private libvirtd (tests/e2e/lib-libvirtd.sh) whose network
# namespace this script creates and deletes: create the machines (two at a
# time: booting is CPU-bound), load the test image on each, swarm-up, a
# service with 6 replicas published on 8080, the routing mesh asked on every
# node, swarm-down, rm.  A failed step is logged with the nodes' view (docker
# info, docker ps, the daemon's log) and the round goes on to clean up.  The
# summary at the end counts the failures per step; the exit status is 1 when
# any round failed.
set -u
: "${MC_BIN:=$PWD/machinectl}"
export MC_BIN
export MACHINECTL_DRIVER_PATH=${MACHINECTL_DRIVER_PATH:-$(dirname "$MC_BIN")/drivers/libvirt/.libs}
export MC_SRCDIR=${MC_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
. "$MC_SRCDIR/tests/lib/cli-lib.sh"
. "$MC_SRCDIR/tests/e2e/lib-libvirtd.sh"
. "$MC_SRCDIR/tests/e2e/lib-image.sh"
export PATH="$(dirname "$MC_BIN"):$PATH"

RUNS=${1:-10}
NODES=${MC_LOOP_NODES:-3}
LOGDIR=${MC_LOOP_LOGDIR:-$PWD/tests/e2e/logs/swarm-loop}
mkdir -p "$LOGDIR"
names=()
for i in $(seq 1 "$NODES"); do names+=("loop$i"); done

lv_start_iso
CREATE=(-d libvirt --libvirt-uri "$LV_URI" --libvirt-memory 768 --iso "$ISO")
e2e_image_tar "$TEST_TMP/image.tar"
vm() { lv_mc "$@"; }

declare -A failures=()
round_failed=0
# step ROUND NAME CMD...: run, log, count a failure.
step() {
	local r=$1 name=$2 t0=$SECONDS
	shift 2
	run "$@"
	{ echo "\$ $*"; echo "$OUT"; echo "$ERR"; echo "[exit $RC, $((SECONDS - t0)) s]"; } \
		>"$LOGDIR/round$r-$name.log"
	if [ "$RC" != 0 ]; then
		failures[$name]=$((${failures[$name]:-0} + 1))
		round_failed=1
		not_ok "round $r: $name (exit $RC, $((SECONDS - t0)) s): $(tail -n 3 <<<"$ERR" | tr '\n' ' ')"
		return 1
	fi
	ok "round $r: $name ($((SECONDS - t0)) s)"
}
# The nodes' own view, after a failure.
nodes_view() {
	local r=$1 m
	for m in "${names[@]}"; do
		{
			echo "=== $m: docker info (swarm)"
			vm ssh "$m" "docker info --format '{{json .Swarm}}'" 2>&1
			echo "=== $m: docker ps -a"
			vm ssh "$m" "docker ps -a" 2>&1
			echo "=== $m: the daemon's log (tail)"
			vm ssh "$m" "sudo tail -n 80 /var/log/docker.log 2>/dev/null || sudo journalctl -u docker -n 80 --no-pager" 2>&1
		} >>"$LOGDIR/round$r-nodes.log"
	done
}
wait_replicas() { # ENV... : until 6/6
	local i
	for i in $(seq 1 150); do
		run lv_exec env "$@" docker service ls --format '{{.Replicas}}'
		[ "$OUT" = "6/6" ] && return 0
		sleep 2
	done
	echo "replicas: $OUT" >&2
	return 1
}

for r in $(seq 1 "$RUNS"); do
	round_failed=0
	t_round=$SECONDS
	# Two boots at a time.
	step "$r" create-1 vm create "${CREATE[@]}" "${names[@]:0:2}" || { nodes_view "$r"; }
	if [ "$NODES" -gt 2 ]; then
		step "$r" create-2 vm create "${CREATE[@]}" "${names[@]:2}" || nodes_view "$r"
	fi
	for m in "${names[@]}"; do
		envs=$(vm env --shell bash "$m" | sed -n 's/^export \([A-Z_]*\)="\(.*\)"$/\1=\2/p' | xargs)
		# shellcheck disable=SC2086
		step "$r" "image-$m" lv_exec env $envs bash -c \
			". '$MC_SRCDIR/tests/e2e/lib-image.sh'; e2e_image_import '$TEST_TMP/image.tar' mc-hello:1"
	done
	step "$r" swarm-up vm swarm-up "${names[@]}"
	env1=$(vm env --shell bash "${names[0]}" | sed -n 's/^export \([A-Z_]*\)="\(.*\)"$/\1=\2/p' | xargs)
	# shellcheck disable=SC2086
	step "$r" service lv_exec env $env1 docker service create --detach --name web --replicas 6 \
		--publish 8080:80 mc-hello:1
	# shellcheck disable=SC2086
	step "$r" replicas wait_replicas $env1
	for m in "${names[@]}"; do
		ip=$(vm ip "$m")
		step "$r" "mesh-$m" lv_exec curl -s --max-time 10 "http://$ip:8080/"
	done
	step "$r" swarm-down vm swarm-down "${names[@]}" || nodes_view "$r"
	step "$r" rm vm rm -y "${names[@]}" || vm rm -f -y "${names[@]}" >/dev/null 2>&1
	if [ -n "$(ls -A "$STORE/machines" 2>/dev/null)" ]; then
		not_ok "round $r: machines left in the store: $(ls "$STORE/machines" | xargs)"
		round_failed=1
		vm rm -f -y $(ls "$STORE/machines") >/dev/null 2>&1
	fi
	if [ "${MC_LOOP_TUTORIAL:-0}" = 1 ]; then
		step "$r" tutorial bash "$MC_SRCDIR/tests/e2e/tutorial.sh"
	fi
	echo "# round $r: $([ $round_failed = 0 ] && echo passed || echo FAILED) in $((SECONDS - t_round)) s"
	echo "$r $round_failed $((SECONDS - t_round))" >>"$LOGDIR/rounds"
done
echo "# failures per step:"
for k in "${!failures[@]}"; do echo "#   $k: ${failures[$k]}"; done
echo "# rounds that failed: $(awk '$2 == 1' "$LOGDIR/rounds" | wc -l) of $RUNS (logs: $LOGDIR)"
done_testing
