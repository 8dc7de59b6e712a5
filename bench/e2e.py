#!/usr/bin/python3
"""End-to-end speed, side by side in one run: `scanscope analyze` in thesis mode against the
pandas + scikit-learn reference (bench/reference/thesis_pipeline.py) on the same captures.

Usage: /usr/bin/python3 bench/e2e.py CAPTURE... [--out DIR] [--dpkt-packets N] [--scanscope-runs N]
Needs Debian's python3-pandas, python3-sklearn and, for --dpkt-packets, python3-dpkt
(apt-get install python3-pandas python3-sklearn python3-dpkt).

For each capture, alternating: scanscope (--scanscope-runs times, default 3; the run of median wall
time is reported, all walls listed), the numpy-parser reference, and (with --dpkt-packets) the
dpkt-parser reference on the first N records (0: all). Each run's wall time and CPU time (its
process tree's user + sys) and the load average before it are recorded; ScanScope's time per stage
comes from summary.json, the reference's from timings.json. Clusters are compared row by row
(src_ip, cluster_id) and by ARI. Writes DIR/e2e.json and prints a Markdown table.

Thesis mode on both sides: ZMap SYNs with IP ID 54321 (and window 65535: ScanScope's
`--tool zmap-classic`), the five features, |O| from one-minute uptime at threshold 1e-6 (every
observer that received anything), robust scaling, DBSCAN min_samples 10 with eps = 0.95 x knee.
"""
import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time

import pandas as pd
from sklearn.metrics import adjusted_rand_score

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
SCANSCOPE = [os.path.join(ROOT, "scanscope"), "analyze"]
THESIS = ["--algorithm", "dbscan", "--tool", "zmap-classic", "--uptime-threshold", "0.000001", "--uptime-period", "1", "--no-report"]
REFERENCE = ["/usr/bin/python3", os.path.join(ROOT, "bench", "reference", "thesis_pipeline.py")]


def timed(cmd):
    """Runs cmd; wall seconds, CPU seconds of the children (user + sys), load average before."""
    load = os.getloadavg()[0]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"e2e: {' '.join(cmd)} failed ({done.returncode}): {done.stderr.strip().splitlines()[-1:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "load_before": round(load, 2),
            "peak_rss_mb_max_so_far": round(after.ru_maxrss / 1024)}


def clusters(path):
    return pd.read_csv(path, usecols=["src_ip", "cluster_id"])


def compare(a, b):
    m = clusters(a).merge(clusters(b), on="src_ip", how="outer", suffixes=("_a", "_b"))
    both = m.dropna()
    return {"sources_a": int(m["cluster_id_a"].notna().sum()), "sources_b": int(m["cluster_id_b"].notna().sum()),
            "identical_rows": bool(len(both) == len(m) and (both["cluster_id_a"] == both["cluster_id_b"]).all()),
            "ari": round(float(adjusted_rand_score(both["cluster_id_a"], both["cluster_id_b"])), 6) if len(both) else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("captures", nargs="+")
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-e2e"))
    ap.add_argument("--dpkt-packets", type=int, default=None, help="also run the dpkt reference on the first N records (0 = all)")
    ap.add_argument("--scanscope-runs", type=int, default=3, help="runs of scanscope per capture; the one of median wall time is reported (default 3)")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    subprocess.run(SCANSCOPE[:1] + ["--help"], stdout=subprocess.DEVNULL, check=True)  # build before timing
    rows = []
    for i, capture in enumerate(args.captures):
        name = f"{i}-{os.path.basename(os.path.dirname(os.path.abspath(capture)))}"
        ss_dir, ref_dir, dpkt_dir = (os.path.join(args.out, name, d) for d in ("scanscope", "reference", "reference-dpkt"))
        row = {"capture": capture, "bytes": os.path.getsize(capture)}
        # ScanScope takes seconds where the references take minutes: it runs several times (the
        # neighbours of a shared VM move one run by ±30%), and the run of median wall time counts.
        runs = []
        for _ in range(args.scanscope_runs):
            shutil.rmtree(ss_dir, ignore_errors=True)
            run = timed(SCANSCOPE + [capture, "--out", ss_dir] + THESIS)
            with open(os.path.join(ss_dir, "summary.json")) as f:
                s = json.load(f)
            run["stages"] = {**s["seconds_per_stage"], **s.get("stage_seconds", {})}
            runs.append(run)
        row["packets"] = s["packets"]["records_read"]
        row["scanscope"] = sorted(runs, key=lambda r: r["wall_s"])[len(runs) // 2]
        row["scanscope"]["all_wall_s"] = [r["wall_s"] for r in runs]
        row["reference"] = timed(REFERENCE + [capture, "--out", ref_dir])
        with open(os.path.join(ref_dir, "timings.json")) as f:
            row["reference"]["stages"] = json.load(f)["seconds"]
        row["clusters_vs_reference"] = compare(os.path.join(ss_dir, "clusters.csv"), os.path.join(ref_dir, "clusters.csv"))
        if args.dpkt_packets is not None:
            limit = [] if args.dpkt_packets == 0 else ["--max-packets", str(args.dpkt_packets)]
            row["reference_dpkt"] = timed(REFERENCE + [capture, "--out", dpkt_dir, "--parser", "dpkt"] + limit)
            with open(os.path.join(dpkt_dir, "timings.json")) as f:
                t = json.load(f)
            row["reference_dpkt"].update({"stages": t["seconds"], "records": t["records"]})
            if args.dpkt_packets == 0:
                row["clusters_vs_reference_dpkt"] = compare(os.path.join(ss_dir, "clusters.csv"), os.path.join(dpkt_dir, "clusters.csv"))
        rows.append(row)
        print(json.dumps(row), flush=True)
    with open(os.path.join(args.out, "e2e.json"), "w") as f:
        json.dump(rows, f, indent=1)

    print("\n| capture | packets | ScanScope wall / CPU s | reference (numpy) wall / CPU s | CPU ratio | dpkt reference CPU s per 10^6 packets | same clusters (ARI) |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        s, ref = r["scanscope"], r["reference"]
        d = r.get("reference_dpkt")
        dpkt = f"{d['cpu_s'] / d['records'] * 1e6:.1f}" if d else "-"
        c = r["clusters_vs_reference"]
        print(f"| {r['capture']} | {r['packets']:,} | {s['wall_s']} / {s['cpu_s']} | {ref['wall_s']} / {ref['cpu_s']} | "
              f"{ref['cpu_s'] / s['cpu_s']:.2f} | {dpkt} | {'yes' if c['identical_rows'] else 'no'} ({c['ari']}) |")


if __name__ == "__main__":
    main()
