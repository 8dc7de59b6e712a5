#!/usr/bin/python3
"""ClickHouse against the in-process path on the same capture, side by side in one run:
`scanscope ingest --clickhouse` into a cluster, `scanscope analyze --clickhouse` (telescope model
and features as SQL over the Distributed table), and in-process `scanscope analyze` on the capture.

Usage: /usr/bin/python3 bench/clickhouse_e2e.py CAPTURE --clickhouse URL1 --clickhouse URL2 --cluster NAME
           [--table T] [--out DIR] [--skip-ingest]

The servers must be running (two clickhouse-server processes with a remote_servers entry NAME of
one shard each, as ClickHouseLocalCluster writes; docs/benchmarks-storage.md shows the config).
Both analyses run in thesis mode (bench/e2e.py). Records wall and CPU time of the scanscope
process (the servers' CPU is not in it: on one machine they share the same cores), the load
average before each run, the stage times from summary.json, and whether features.csv and
clusters.csv are identical. Writes DIR/clickhouse.json.
"""
import argparse
import filecmp
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from e2e import ROOT, SCANSCOPE, THESIS, timed  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("capture")
    ap.add_argument("--clickhouse", action="append", required=True)
    ap.add_argument("--cluster", required=True)
    ap.add_argument("--table", default="bench_packets")
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "bench-clickhouse"))
    ap.add_argument("--skip-ingest", action="store_true", help="the table already holds the capture")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    connection = ["--cluster", args.cluster, "--table", args.table]
    row = {"capture": args.capture}
    if not args.skip_ingest:
        urls = [a for u in args.clickhouse for a in ("--clickhouse", u)]
        row["ingest"] = timed([SCANSCOPE[0], "ingest", args.capture, *urls, *connection, "--all-tcp"])
    remote, local = os.path.join(args.out, "clickhouse"), os.path.join(args.out, "in-process")
    row["analyze_clickhouse"] = timed(SCANSCOPE + ["--clickhouse", args.clickhouse[0], *connection, "--out", remote, "--result-prefix", "bench_"] + THESIS)
    row["analyze_in_process"] = timed(SCANSCOPE + [args.capture, "--out", local] + THESIS)
    for key, d in (("analyze_clickhouse", remote), ("analyze_in_process", local)):
        with open(os.path.join(d, "summary.json")) as f:
            s = json.load(f)
        row[key]["stages"] = {**s["seconds_per_stage"], **s.get("stage_seconds", {})}
        row["packets"] = s["packets"]["records_read"]
    row["identical"] = {f: filecmp.cmp(os.path.join(remote, f), os.path.join(local, f), shallow=False)
                        for f in ("features.csv", "clusters.csv", "telescope_daily.csv", "cluster_summary.csv")}
    with open(os.path.join(args.out, "clickhouse.json"), "w") as f:
        json.dump(row, f, indent=1)
    print(json.dumps(row, indent=1))


if __name__ == "__main__":
    main()
