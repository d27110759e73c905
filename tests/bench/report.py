#!/usr/bin/env python3
"""Turn the benchmark records (one JSON object per line, written by the
tests/bench/*.sh scripts) into results/latest.json, results/latest.md and the
plot of ls time against machine count (results/ls.png, with gnuplot).

    tests/bench/report.py --jsonl FILE --meta FILE --out DIR [--keep]

Targets are evaluated here, beside each figure: "pass" or "falls short".
Nothing fails on a slow figure: these are reports, not assertions.  Every
ratio to a peer comes from the same run (tests/bench/paired.py: the commands
taking turns, the median of the paired ratios); without a peer in the run a
target says "not measured" — there is no recorded figure to divide by
(issue 22 withdrew the docker-machine figures of issue 10).

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

MIB = 1024
DM = "docker-machine"


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


def ratio(recs, rid, name):
    """The median paired ratio `name` ("docker-machine/machinectl") of record rid, or None."""
    r = recs.get(rid) or {}
    return (r.get("ratios") or {}).get(name, {}).get("median")


def side(recs, rid, name):
    for s in (recs.get(rid) or {}).get("sides", []):
        if s["name"] == name:
            return s
    return None


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

    def cmp(name, value, limit, vtext, ttext, at_least=False, why=None):
        if value is None or limit is None:
            out.append({"target": name, "value": why or vtext or "not measured", "limit": ttext,
                        "verdict": "not measured"})
            return
        ok = value >= limit if at_least else value <= limit
        out.append({"target": name, "value": vtext, "limit": ttext,
                    "verdict": "pass" if ok else "falls short",
                    "measured": value, "threshold": limit})

    # env at the process floor: the median of the paired ratios to /bin/true.
    fl = recs.get("startup.floor")
    for key, what in (("env", "env (provisioned machine, test-driver plugin)"),
                      ("env_none", "env (none driver)"),
                      ("env_libvirt", "env (libvirt machine)")):
        v = ratio(recs, "startup.floor", key + "/true")
        if v is None and key != "env":
            continue
        sd, tr = side(recs, "startup.floor", key), side(recs, "startup.floor", "true")
        cmp("%s ≤ 1.5 × /bin/true (same run, taking turns)" % what, v, 1.5,
            "%.2f× (%s vs %s)" % (v, fmt_ms(sd["median_ms"]), fmt_ms(tr["median_ms"])) if v else None,
            "1.5×", why=None if fl else "not measured (no startup.floor record)")
    for rid, what in (("startup.env", "env (provisioned machine, test-driver plugin)"),
                      ("startup.env_none", "env (none driver)"),
                      ("startup.env_libvirt", "env (libvirt machine)")):
        if rid != "startup.env" and med(recs, rid) is None:
            continue
        r = recs.get(rid, {})
        cmp("%s peak RSS ≤ 5 MiB" % what, r.get("rss_kib"), 5 * MIB, fmt_kib(r.get("rss_kib")), "5 MiB")
    # docker-machine, live, in the same run.
    for rid, what in (("peer.env", "env of a none machine"), ("peer.ls.20", "ls, 20 answering machines")):
        rec = recs.get(rid)
        v = ratio(recs, rid, DM + "/machinectl")
        if rec and v is not None:
            m, d = side(recs, rid, "machinectl"), side(recs, rid, DM)
            cmp("%s ≥ 10× faster than docker-machine (same run, taking turns)" % what, v, 10.0,
                "%.1f× (%s vs %s)" % (v, fmt_ms(m["median_ms"]), fmt_ms(d["median_ms"])), "10×", at_least=True)
        else:
            cmp("%s ≥ 10× faster than docker-machine (same run, taking turns)" % what, None, 10.0, None, "10×",
                why="not measured: no docker-machine in this run (scripts/bench --peer PATH)" if rec
                else "not measured (section peer did not run)")
    ups = sorted((r["n"], r) for r in recs.values() if r.get("kind") == "up" and "n" in r)
    for n, r in ups:
        cmp("ls, %d answering machines, peak RSS ≤ 5 MiB" % n, r.get("rss_kib"), 5 * MIB,
            fmt_kib(r.get("rss_kib")), "5 MiB")
    c, g = med(recs, "vm.create.total"), med(recs, "vm.qemu.dockerd")
    cmp("create (libvirt) ≤ 1.10 × guest boot-to-dockerd under plain QEMU", c,
        None if g is None else 1.10 * g,
        "%s (%.2f×)" % (fmt_ms(c), c / g) if c and g else fmt_ms(c),
        "≤ %s" % fmt_ms(1.10 * g) if g else "1.10 × boot")
    f = med(recs, "vm.floor")
    for rid, what in (("vm.create.total", "create --driver libvirt to 'Docker is up'"),
                      ("vm.create.isoboot", "create --libvirt-iso-boot (the ISO's boot loader)")):
        v = med(recs, rid)
        if v is None and rid != "vm.create.total":
            continue
        cmp("%s ≤ 2.0 × the floor (same run)" % what, v, None if f is None else 2.0 * f,
            "%s (%.2f×)" % (fmt_ms(v), v / f) if v and f else fmt_ms(v),
            "≤ %s" % fmt_ms(2.0 * f) if f else "2.0 × the floor",
            why=None if f else "not measured (no vm.floor record)")
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
    peer_md(L, meta, recs)
    sections = [
        ("Start-up and create", lambda i: (i.startswith("startup.") or i.startswith("create.")) and
         not recs[i].get("paired")),
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
            L.append("docker-machine beside machinectl: the section above (same run). "
                     "![ls time against machine count](ls.png)")
            L.append("")
        L.append(HEAD)
        for i in ids:
            L.append(row(recs[i], SSH_LABELS.get(i)))
    L.append("")
    return "\n".join(L)


def peer_md(L, meta, recs):
    """The same-run comparisons: docker-machine (section peer) and the floor (startup.floor)."""
    paired = [r for r in recs.values() if r.get("paired")]
    if not paired:
        return
    L.append("")
    L.append("## Same run, taking turns: docker-machine and the process floor")
    L.append("")
    if recs.get("peer.env") and not side(recs, "peer.env", DM):
        L.append("**No docker-machine in this run: no ratio to docker-machine was measured** "
                 "(`scripts/bench --peer PATH` or `--peer-src DIR`).")
        L.append("")
    elif meta.get("peer"):
        L.append("Peer: %s." % meta["peer"])
        L.append("")
    L.append("Each comparison runs its commands in rounds, the order rotating; the ratio is the median of the "
             "per-round ratios (IQR beside it), the times the median of each side; its CPU: the command's "
             "user + system time (median), fixture CPU: what the answering tls-fixture spent per run.")
    L.append("")
    L.append("| comparison | side: command | median | IQR | its CPU | fixture CPU per run | runs |")
    L.append("|---|---|---:|---|---:|---:|---:|")
    for rid in ("startup.floor", "peer.env", "peer.ls.20"):
        r = recs.get(rid)
        if not r:
            continue
        if "error" in r:
            L.append("| %s | error: %s | | | | | |" % (r.get("label", rid), r["error"][:80]))
            continue
        for sd in r["sides"]:
            cpu = sd.get("peer_cpu_ms_per_run")
            L.append("| %s | %s: `%s` | %s | %s – %s | %s | %s | %d |" % (
                r["label"], sd["name"], sd["command"], fmt_ms(sd["median_ms"]), fmt_ms(sd["p25_ms"]),
                fmt_ms(sd["p75_ms"]), fmt_ms(sd.get("cpu_ms_median")), "–" if cpu is None else fmt_ms(cpu),
                sd["runs"]))
        for name, rs in r["ratios"].items():
            L.append("| %s | **ratio %s** | **%.2f×** | %.2f× – %.2f× | | | %d |" % (
                r["label"], name, rs["median"], rs["p25"], rs["p75"], rs["pairs"]))
    fx = recs.get("peer.fixture")
    if fx and fx.get("cpu_ms_per_request"):
        L.append("")
        L.append("The answering fixture's own cost (`tests/lib/tls-fixture`, %d threads, session tickets on): "
                 "%.2f ms of CPU per full TLS handshake + request; %.0f requests/s to %d `openssl s_time -new` "
                 "clients." % (fx["threads"], fx["cpu_ms_per_request"], fx["requests_per_s"], fx["clients"]))
        for rid in ("peer.env", "peer.ls.20"):
            fp = (recs.get(rid) or {}).get("fixture_per_run") or {}
            parts = ["%s %d handshakes (%s resumed) and %d requests" % (
                k, v["handshakes"], v.get("resumed", "?"), v["requests"]) for k, v in fp.items() if v]
            if parts:
                L.append("Per run of %s it served: %s." % (recs[rid]["label"], ", ".join(parts)))


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
    dm = None
    dms = side(recs, "peer.ls.20", DM)
    if dms:
        dm = os.path.join(out, "ls-docker-machine.dat")
        with open(dm, "w") as f:
            f.write("20 %.1f\n" % dms["median_ms"])
    cmds = ['set terminal pngcairo size 800,500 font ",10"' if has_cairo() else "set terminal png size 800,500",
            'set output "%s"' % os.path.join(out, "ls.png"),
            'set title "machinectl ls: wall time (median) against machine count"',
            "set logscale xy", 'set xlabel "machines"', 'set ylabel "ms"', "set grid",
            "set key top left", "set xrange [10:2000]"]
    p = ['"%s" using 1:2 with linespoints lw 2 title "%s"' % (fn, t) for fn, t in files]
    if dm:
        p.append('"%s" using 1:2 with points pt 7 ps 2 title "docker-machine v0.16.2, 20 answering (same run)"' % dm)
    cmds.append("plot " + ", ".join(p))
    subprocess.run(["gnuplot"], input="\n".join(cmds) + "\n", text=True, check=True)
    for fn, _ in files:
        os.unlink(fn)
    if dm:
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
