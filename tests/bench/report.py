#!/usr/bin/env python3
"""Turn the benchmark records (one JSON object per line, written by the
tests/bench/*.sh scripts) into results/latest.json, results/latest.md and the
plot of ls time against machine count (results/ls.png, with gnuplot).

    tests/bench/report.py --jsonl FILE --meta FILE --out DIR [--keep]

Targets are evaluated here, beside each figure: "pass" or "falls short".
Nothing fails on a slow figure: these are reports, not assertions.

--keep (scripts/bench --only): the records of the sections this run did not
measure are kept from the previous DIR/latest.json, and the report says which
run (commit, date, load) each kept section comes from.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

# docker-machine v0.16.2 on a 2-core machine with 20 answering machines
# (issue 10; recorded in doc/performance.md).
DM_ENV_MS = 25.0
DM_LS20_MS = 417.0
MIB = 1024


def load(path):
    recs = {}
    order = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r["id"] not in recs:
                order.append(r["id"])
            recs[r["id"]] = r
    return recs, order


def section_of(rid):
    """The scripts/bench section that writes record rid."""
    head = rid.split(".", 1)[0]
    return {"create": "startup", "scp": "ssh"}.get(head, head)


def keep_previous(meta, recs, order, out):
    """Add the records of the sections this run did not measure from out/latest.json;
    meta["earlier"] says where each kept section comes from."""
    try:
        with open(os.path.join(out, "latest.json")) as f:
            prev = json.load(f)
    except (OSError, ValueError):
        return
    now = set(meta["sections"].split(","))
    kept = [r for r in prev.get("results", []) if section_of(r["id"]) not in now and r["id"] not in recs]
    if not kept:
        return
    have = {section_of(r["id"]) for r in kept}
    last = {k: prev.get(k) for k in ("commit", "dirty", "date", "build", "load_before", "load_after", "sections")}
    runs = prev.get("earlier", []) + [last]
    earlier = []
    for run in runs:
        secs = [x for x in (run.get("sections") or "").split(",") if x in have]
        if secs:
            earlier.append(dict(run, sections=",".join(secs)))
    meta["earlier"] = earlier
    for r in kept:
        recs[r["id"]] = r
    # the report's order: earlier sections' records first, as the sections run
    order[:0] = [r["id"] for r in kept]


def med(recs, rid):
    r = recs.get(rid)
    if not r or "median_ms" not in r:
        return None
    return r["median_ms"]


def fmt_ms(v):
    if v is None:
        return "–"
    if v >= 10000:
        return "%.1f s" % (v / 1000)
    if v >= 100:
        return "%.0f ms" % v
    if v >= 10:
        return "%.1f ms" % v
    return "%.2f ms" % v


def fmt_kib(v):
    return "–" if v is None else "%.1f MiB" % (v / MIB)


def targets(recs):
    """(figure, value text, target text, verdict) for every target we can judge."""
    out = []

    def cmp(name, value, limit, vtext, ttext):
        if value is None or limit is None:
            out.append({"target": name, "value": vtext or "not measured", "limit": ttext,
                        "verdict": "not measured"})
            return
        out.append({"target": name, "value": vtext, "limit": ttext,
                    "verdict": "pass" if value <= limit else "falls short",
                    "measured": value, "threshold": limit})

    for rid, what in (("startup.env", "env (provisioned machine, test-driver plugin)"),
                      ("startup.env_none", "env (none driver)"),
                      ("startup.env_libvirt", "env (libvirt machine)")):
        v = med(recs, rid)
        if rid != "startup.env" and v is None:
            continue
        cmp("%s ≤ 2 ms" % what, v, 2.0, fmt_ms(v), "2 ms")
        cmp("%s ≥ 10× faster than docker-machine (25 ms)" % what, v, DM_ENV_MS / 10,
            fmt_ms(v), "≤ %s" % fmt_ms(DM_ENV_MS / 10))
        r = recs.get(rid, {})
        cmp("%s peak RSS ≤ 5 MiB" % what, r.get("rss_kib"), 5 * MIB, fmt_kib(r.get("rss_kib")), "5 MiB")
    v = med(recs, "ls.up.20")
    cmp("ls, 20 answering machines, ≥ 10× faster than docker-machine (417 ms)", v, DM_LS20_MS / 10,
        fmt_ms(v), "≤ %s" % fmt_ms(DM_LS20_MS / 10))
    ups = sorted((r["n"], r) for r in recs.values() if r.get("kind") == "up" and "n" in r)
    for n, r in ups:
        cmp("ls, %d answering machines, peak RSS ≤ 5 MiB" % n, r.get("rss_kib"), 5 * MIB,
            fmt_kib(r.get("rss_kib")), "5 MiB")
    c, g = med(recs, "vm.create.total"), med(recs, "vm.qemu.dockerd")
    cmp("create (libvirt) ≤ 1.10 × guest boot-to-dockerd under plain QEMU", c,
        None if g is None else 1.10 * g,
        "%s (%.2f×)" % (fmt_ms(c), c / g) if c and g else fmt_ms(c),
        "≤ %s" % fmt_ms(1.10 * g) if g else "1.10 × boot")
    for k in (1, 2, 3):
        sk = med(recs, "vm.swarmup.%d" % k)
        skipped = recs.get("vm.swarmup.%d" % k, {}).get("skipped")
        if sk is None and k != 3:
            continue
        cmp("swarm-up of %d new machine%s ≤ 1.3 × one create" % (k, "s" if k > 1 else ""), sk,
            None if c is None else 1.3 * c,
            ("%s (%.2f×)" % (fmt_ms(sk), sk / c) if sk and c else
             ("skipped: " + skipped if skipped else fmt_ms(sk))),
            "≤ %s" % fmt_ms(1.3 * c) if c else "1.3 × create")
    o = med(recs, "ssh.true.openssh")
    for rid, what in (("ssh.true.native", "ssh NAME true, native (libssh)"),
                      ("ssh.true.external", "ssh NAME true, external (OpenSSH client)")):
        v = med(recs, rid)
        cmp("%s ≤ 1.2 × OpenSSH" % what, v, None if o is None else 1.2 * o,
            "%s (%.2f×)" % (fmt_ms(v), v / o) if v and o else fmt_ms(v),
            "≤ %s" % fmt_ms(1.2 * o) if o else "1.2 × OpenSSH")
    return out


def row(r, label=None):
    lab = label or r.get("label", r["id"])
    if "error" in r:
        return "| %s | error: %s | | | | |" % (lab, r["error"].replace("\n", " ")[:80])
    if "skipped" in r:
        return "| %s | skipped: %s | | | | |" % (lab, r["skipped"])
    spread = "%s – %s" % (fmt_ms(r.get("min_ms")), fmt_ms(r.get("max_ms")))
    instr = "{:,}".format(r["instructions"]) if r.get("instructions") else "–"
    return "| %s | %s | %s | %s | %s | %s | %d |" % (
        lab, fmt_ms(r.get("median_ms")), fmt_ms(r.get("stddev_ms")), spread,
        fmt_kib(r.get("rss_kib")), instr, r.get("runs", 0))


HEAD = ("| figure | median | std dev | min – max | peak RSS | instructions | runs |\n"
        "|---|---:|---:|---|---:|---:|---:|")

SSH_LABELS = {
    "ssh.true.external": "machinectl ssh NAME true (OpenSSH client)",
    "ssh.true.native": "machinectl --native-ssh ssh NAME true (libssh)",
    "ssh.true.openssh": "OpenSSH: ssh -i KEY ... true",
    "scp.up.external": "machinectl scp 100 MB up (OpenSSH scp)",
    "scp.down.external": "machinectl scp 100 MB down (OpenSSH scp)",
    "scp.up.native": "machinectl --native-ssh scp 100 MB up (SFTP, libssh)",
    "scp.down.native": "machinectl --native-ssh scp 100 MB down (SFTP, libssh)",
    "scp.up.openssh": "OpenSSH: scp 100 MB up",
    "scp.down.openssh": "OpenSSH: scp 100 MB down",
}


def markdown(meta, recs, order, tg):
    m = meta["machine"]
    L = []
    L.append("# machinectl benchmarks: %s mode" % meta["mode"])
    L.append("")
    L.append("Commit `%s`%s, %s. Build: `%s`." % (meta["commit"], " (with uncommitted changes)" if meta.get("dirty") else "",
                                                  meta["date"], meta["build"]))
    L.append("Machine: %s, %s CPUs, %s MiB memory, %s. Load (1/5/15 min) before: %s, after: %s." % (
        m["model"], m["nproc"], m["mem_mib"], m["kernel"], meta["load_before"], meta.get("load_after", "?")))
    for e in meta.get("earlier", []):
        L.append("Sections %s: kept from an earlier run, commit `%s`%s, %s, build `%s`, load before: %s, after: %s." % (
            e["sections"], e.get("commit"), " (with uncommitted changes)" if e.get("dirty") else "",
            e.get("date"), e.get("build"), e.get("load_before"), e.get("load_after")))
    L.append("Medians of repeated runs (std dev and min – max beside); peak RSS = largest of 3 runs "
             "(`/usr/bin/time -v`); instructions = one run under `valgrind --tool=callgrind` (repeatable).")
    L.append("")
    L.append("## Targets")
    L.append("")
    L.append("| target | measured | limit | verdict |")
    L.append("|---|---:|---:|---|")
    for t in tg:
        v = t["verdict"]
        v = "**pass**" if v == "pass" else ("**falls short**" if v == "falls short" else v)
        L.append("| %s | %s | %s | %s |" % (t["target"], t["value"], t["limit"], v))
    sections = [
        ("Start-up and create", lambda i: i.startswith("startup.") or i.startswith("create.")),
        ("ls", lambda i: i.startswith("ls.")),
        ("Certificates (CA + client + server)", lambda i: i.startswith("certs.")),
        ("SSH (loopback sshd)", lambda i: i.startswith("ssh.") or i.startswith("scp.")),
        ("Real VMs", lambda i: i.startswith("vm.")),
    ]
    for title, pred in sections:
        ids = [i for i in order if pred(i)]
        if title == "ls":
            ids.sort(key=lambda i: (recs[i].get("n", 0), i))
        if not ids:
            continue
        L.append("")
        L.append("## " + title)
        L.append("")
        if title == "ls":
            L.append("docker-machine v0.16.2 reference: 417 ms for 20 answering machines. "
                     "![ls time against machine count](ls.png)")
            L.append("")
        L.append(HEAD)
        for i in ids:
            L.append(row(recs[i], SSH_LABELS.get(i)))
    L.append("")
    return "\n".join(L)


def plot(recs, out):
    series = {"up": "answering (TLS fixture)", "hang": "never answering, --timeout 2",
              "libvirt": "libvirt, stopped (test:///FILE)", "virsh": "virsh list --all (same file)"}
    files = []
    for kind in series:
        pts = sorted((r["n"], r["median_ms"]) for r in recs.values()
                     if r.get("kind") == kind and "median_ms" in r)
        if not pts:
            continue
        fn = os.path.join(out, "ls-%s.dat" % kind)
        with open(fn, "w") as f:
            for n, v in pts:
                f.write("%d %.3f\n" % (n, v))
        files.append((fn, series[kind]))
    if not files or not shutil.which("gnuplot"):
        return False
    dm = os.path.join(out, "ls-docker-machine.dat")
    with open(dm, "w") as f:
        f.write("20 %.1f\n" % DM_LS20_MS)
    cmds = ['set terminal pngcairo size 800,500 font ",10"' if has_cairo() else "set terminal png size 800,500",
            'set output "%s"' % os.path.join(out, "ls.png"),
            'set title "machinectl ls: wall time (median) against machine count"',
            "set logscale xy", 'set xlabel "machines"', 'set ylabel "ms"', "set grid",
            "set key top left", "set xrange [10:2000]"]
    p = ['"%s" using 1:2 with linespoints lw 2 title "%s"' % (fn, t) for fn, t in files]
    p.append('"%s" using 1:2 with points pt 7 ps 2 title "docker-machine v0.16.2, 20 answering"' % dm)
    cmds.append("plot " + ", ".join(p))
    subprocess.run(["gnuplot"], input="\n".join(cmds) + "\n", text=True, check=True)
    for fn, _ in files:
        os.unlink(fn)
    os.unlink(dm)
    return True


def has_cairo():
    try:
        r = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
        return "pngcairo" in (r.stdout + r.stderr)
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jsonl", required=True)
    ap.add_argument("--meta", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--keep", action="store_true",
                    help="keep the previous records of the sections not measured in this run")
    a = ap.parse_args()
    with open(a.meta) as f:
        meta = json.load(f)
    recs, order = load(a.jsonl)
    if a.keep:
        keep_previous(meta, recs, order, a.out)
    tg = targets(recs)
    os.makedirs(a.out, exist_ok=True)
    doc = dict(meta)
    doc["targets"] = tg
    doc["results"] = [recs[i] for i in order]
    with open(os.path.join(a.out, "latest.json"), "w") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
        f.write("\n")
    with open(os.path.join(a.out, "latest.md"), "w") as f:
        f.write(markdown(meta, recs, order, tg))
    with open(os.path.join(a.out, "latest-records.jsonl"), "w") as f:
        for i in order:
            f.write(json.dumps(recs[i], ensure_ascii=False, separators=(",", ":")) + "\n")
    ok = plot(recs, a.out)
    print("report: %s/latest.json, latest.md%s" % (a.out, ", ls.png" if ok else " (no plot)"))
    for t in tg:
        print("  %-80s %-22s %s" % (t["target"], t["value"], t["verdict"]))


if __name__ == "__main__":
    sys.exit(main())
