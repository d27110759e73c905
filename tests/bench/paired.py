#!/usr/bin/env python3
"""Paired, interleaved timing of commands: the same-run comparison behind every
peer figure of scripts/bench (issue 22).

    tests/bench/paired.py --id ID --label TEXT --runs N [--warmup W]
        [--record FILE] [--extra JSON] [--ratio NUM/DEN ...] [--cpu-pid PID] \\
        --a NAME [--env K=V ...] -- CMD ARGS... \\
        --b NAME [--env K=V ...] -- CMD ARGS... [--c ...] ... [--h ...]

The options come first: everything after a side's "--" up to the next side
(--b ... --h) is its command.  The commands run in rounds: each round runs every
command once, the order rotating from round to round (A B, B A, A B... or
A B C, B C A, C A B...), so that a change of load (other work on the machine)
hits every side alike.  Each
run is timed from just before posix_spawn() to the end of wait4(): fork +
exec + the program + exit, as hyperfine -N measures it (no shell); its CPU
time (user + system, all threads, from wait4's rusage) is recorded too.  stdout and
stderr go to /dev/null; a run that exits non-zero fails the comparison (the
caller checks each command's output once before timing it).

The figure is the median over the rounds of the per-round ratio NUM/DEN of
two sides' times (--ratio, repeatable; default: every other side over the
first), beside the median of each side; a JSON record (lib-bench.sh's format:
id, label, median_ms... of the first side, "sides" with each side's
statistics, "ratios" with the paired ratios) is appended to --record (default:
$BENCH_JSONL when set).  --cpu-pid PID: the CPU time that process (all its
threads: a fixture answering the commands) used during each side's runs,
per run, from /proc/PID/task/*/schedstat.  Figures are reports: nothing here
fails on a slow run.
"""
import json
import os
import statistics
import sys
import time


def stats(ms):
    s = sorted(ms)
    n = len(s)
    return {"runs": n, "median_ms": round(statistics.median(s), 4), "mean_ms": round(statistics.fmean(s), 4),
            "stddev_ms": round(statistics.pstdev(s), 4) if n > 1 else 0.0,
            "min_ms": round(s[0], 4), "max_ms": round(s[-1], 4),
            "p25_ms": round(s[n // 4], 4), "p75_ms": round(s[(3 * n) // 4], 4)}


def ratio_stats(r):
    s = sorted(r)
    n = len(s)
    return {"median": round(statistics.median(s), 4), "p25": round(s[n // 4], 4),
            "p75": round(s[(3 * n) // 4], 4), "min": round(s[0], 4), "max": round(s[-1], 4), "pairs": n}


SIDES = ["--" + c for c in "abcdefgh"]


def parse(argv):
    opts = {"runs": 30, "warmup": 3, "record": os.environ.get("BENCH_JSONL") or None, "extra": "{}",
            "id": None, "label": None, "ratio": [], "cpu-pid": None}
    sides = []
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in SIDES:
            side = {"name": argv[i + 1], "env": {}, "cmd": []}
            i += 2
            while i < len(argv) and argv[i] == "--env":
                k, _, v = argv[i + 1].partition("=")
                side["env"][k] = v
                i += 2
            if i >= len(argv) or argv[i] != "--":
                sys.exit("paired: %s NAME [--env K=V...] -- CMD..." % a)
            i += 1
            while i < len(argv) and argv[i] not in SIDES:
                side["cmd"].append(argv[i])
                i += 1
            if not side["cmd"]:
                sys.exit("paired: side %s has no command" % side["name"])
            sides.append(side)
            continue
        if a in ("--id", "--label", "--runs", "--warmup", "--record", "--extra", "--cpu-pid"):
            opts[a[2:]] = argv[i + 1]
            i += 2
            continue
        if a == "--ratio":
            opts["ratio"].append(argv[i + 1])
            i += 2
            continue
        sys.exit("paired: unknown argument %s (see the header of %s)" % (a, argv[0] if argv else "paired.py"))
    if len(sides) < 2 or not opts["id"] or not opts["label"]:
        sys.exit("paired: --id, --label and at least --a and --b are needed")
    opts["runs"] = max(3, int(int(opts["runs"]) * float(os.environ.get("BENCH_RUNS_SCALE", "1"))))
    opts["warmup"] = int(opts["warmup"])
    names = [s["name"] for s in sides]
    if not opts["ratio"]:
        opts["ratio"] = ["%s/%s" % (n, names[0]) for n in names[1:]]
    for r in opts["ratio"]:
        num, _, den = r.partition("/")
        if num not in names or den not in names:
            sys.exit("paired: --ratio %s: no side of that name" % r)
    return opts, sides


def cpu_ns(pid):
    """CPU time of every thread of pid (ns), or None."""
    if not pid:
        return None
    total = 0
    try:
        for t in os.listdir("/proc/%s/task" % pid):
            with open("/proc/%s/task/%s/schedstat" % (pid, t)) as f:
                total += int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return total


def run_once(side, devnull):
    env = side["envp"]
    fa = [(os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)]
    t0 = time.perf_counter_ns()
    pid = os.posix_spawn(side["cmd"][0], side["cmd"], env, file_actions=fa)
    _, status, ru = os.wait4(pid, 0)
    t1 = time.perf_counter_ns()
    side.setdefault("cpu", []).append((ru.ru_utime + ru.ru_stime) * 1000)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError("%s exited with %d: %s" % (side["name"], os.waitstatus_to_exitcode(status),
                                                      " ".join(side["cmd"])))
    return (t1 - t0) / 1e6


def main():
    opts, sides = parse(sys.argv[1:])
    base = dict(os.environ)
    for s in sides:
        if not os.path.isabs(s["cmd"][0]):
            import shutil
            found = shutil.which(s["cmd"][0])
            if not found:
                sys.exit("paired: %s not found" % s["cmd"][0])
            s["cmd"][0] = found
        e = dict(base)
        e.update(s["env"])
        s["envp"] = e
    devnull = os.open(os.devnull, os.O_RDWR)
    k = len(sides)
    times = [[] for _ in sides]
    cpu = [0] * k
    try:
        for r in range(opts["warmup"]):
            for s in sides:
                run_once(s, devnull)
        for r in range(opts["runs"]):
            t = [0.0] * k
            for j in range(k):
                idx = (r + j) % k
                c0 = cpu_ns(opts["cpu-pid"])
                t[idx] = run_once(sides[idx], devnull)
                c1 = cpu_ns(opts["cpu-pid"])
                if c0 is not None and c1 is not None:
                    cpu[idx] += c1 - c0
            for j in range(k):
                times[j].append(t[j])
    except RuntimeError as e:
        print("paired: %s: %s" % (opts["label"], e), file=sys.stderr)
        rec = {"id": opts["id"], "label": opts["label"], "error": str(e)}
        if opts["record"]:
            with open(opts["record"], "a") as f:
                f.write(json.dumps(rec) + "\n")
        return 1
    ref = times[0]
    by = {s["name"]: times[j] for j, s in enumerate(sides)}
    rec = {"id": opts["id"], "label": opts["label"], "paired": True, "order": "rotating",
           "sides": [dict(name=s["name"],
                          command=" ".join(["%s=%s" % kv for kv in sorted(s["env"].items())
                                            if kv[0].startswith("MACHINECTL_")] +
                                           [os.path.basename(c) if i == 0 else c for i, c in enumerate(s["cmd"])]),
                          **stats(times[j])) for j, s in enumerate(sides)],
           "ratios": {}}
    for r in opts["ratio"]:
        num, _, den = r.partition("/")
        rec["ratios"][r] = ratio_stats([a / b for a, b in zip(by[num], by[den])])
    for j, sd in enumerate(sides):
        c = sorted(sd["cpu"][opts["warmup"]:])
        rec["sides"][j]["cpu_ms_median"] = round(statistics.median(c), 3)
    if opts["cpu-pid"]:
        for j in range(k):
            rec["sides"][j]["peer_cpu_ms_per_run"] = round(cpu[j] / 1e6 / len(times[j]), 3)
    rec.update({kk: v for kk, v in stats(ref).items()})
    rec.update(json.loads(opts["extra"]))
    if opts["record"]:
        with open(opts["record"], "a") as f:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    line = "%-44s" % opts["label"]
    print(line)
    for j, s in enumerate(sides):
        st = rec["sides"][j]
        cpu_txt = "; its CPU %.2f ms" % st["cpu_ms_median"]
        if "peer_cpu_ms_per_run" in st:
            cpu_txt += "; fixture CPU %.2f ms per run" % st["peer_cpu_ms_per_run"]
        print("    %-32s %9.3f ms median (IQR %.3f-%.3f)%s" % (s["name"], st["median_ms"], st["p25_ms"],
                                                                st["p75_ms"], cpu_txt))
    for r, rs in rec["ratios"].items():
        print("    ratio %-26s %9.2fx  (median of %d paired ratios, IQR %.2f-%.2f)" % (
            r, rs["median"], rs["pairs"], rs["p25"], rs["p75"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
