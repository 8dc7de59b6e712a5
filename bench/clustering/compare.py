#!/usr/bin/python3
"""Side-by-side clustering benchmark: scikit-learn here, ScanScope through BenchmarkDotNet, same input.

Usage: /usr/bin/python3 bench/clustering/compare.py [--sizes 10000,100000,1000000] [--threads 1,2] [--skip-dotnet]

For each size it writes the robust-scaled feature table (data.py) to .build/bench-clustering/scaled_N.f64
with sklearn's DBSCAN labels and k-distances (k = min_samples, the point itself counted), times sklearn's
DBSCAN and NearestNeighbors.kneighbors with n_jobs = threads (BLAS/OpenMP pinned to one thread), then runs
ClusteringBench (which first checks that ScanScope's labels and k-distances equal the saved ones).
"""
import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.cluster import DBSCAN  # noqa: E402
from sklearn.neighbors import NearestNeighbors  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, ".build", "bench-clustering")
EPS, MIN_SAMPLES = 0.01, 10


def best_of(repeats, fn):
    best, result = None, None
    for _ in range(repeats):
        t = time.perf_counter()
        result = fn()
        elapsed = time.perf_counter() - t
        best = elapsed if best is None else min(best, elapsed)
    return best, result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000,1000000")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--skip-dotnet", action="store_true")
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    sizes = [int(s) for s in args.sizes.split(",")]
    threads = [int(t) for t in args.threads.split(",")]
    rows = []
    for n in sizes:
        x = data.scaled(n)
        x.tofile(os.path.join(OUT, f"scaled_{n}.f64"))
        repeats = 3 if n <= 10_000 else 1
        for t in threads:
            secs, model = best_of(repeats, lambda: DBSCAN(eps=EPS, min_samples=MIN_SAMPLES, n_jobs=t).fit(x))
            rows.append({"n": n, "threads": t, "what": "dbscan", "sklearn_s": secs,
                         "clusters": int(model.labels_.max() + 1), "noise": int((model.labels_ == -1).sum())})
            print(json.dumps(rows[-1]), flush=True)
            model.labels_.astype(np.int32).tofile(os.path.join(OUT, f"labels_{n}.i32"))
            del model
            secs, kd = best_of(repeats, lambda: NearestNeighbors(n_neighbors=MIN_SAMPLES, n_jobs=t).fit(x).kneighbors(x)[0][:, -1])
            rows.append({"n": n, "threads": t, "what": "kdistance", "sklearn_s": secs})
            print(json.dumps(rows[-1]), flush=True)
            kd.tofile(os.path.join(OUT, f"kdist_{n}.f64"))
        distinct = len(np.unique(x, axis=0))
        rows.append({"n": n, "distinct_rows": distinct})
        print(json.dumps(rows[-1]), flush=True)
    with open(os.path.join(OUT, "sklearn.json"), "w") as f:
        json.dump({"eps": EPS, "min_samples": MIN_SAMPLES, "rows": rows}, f, indent=1)
    if not args.skip_dotnet:
        env = dict(os.environ, SCANSCOPE_BENCH_DIR=OUT, SCANSCOPE_BENCH_SIZES=args.sizes, SCANSCOPE_BENCH_THREADS=args.threads)
        subprocess.run(["dotnet", "run", "-c", "Release", "--project", os.path.join(ROOT, "bench", "ScanScope.Benchmarks"), "--",
                        "--filter", "*ClusteringBench*", "--launchCount", "1", "--warmupCount", "1",
                        "--iterationCount", "3", "--exporters", "json"], env=env, check=True)


if __name__ == "__main__":
    main()
