#!/usr/bin/python3
"""Regenerates the scikit-learn golden files the clustering and evaluation tests compare against.

Usage: /usr/bin/python3 make_golden.py [OUTDIR] [--no-tsne]   (default OUTDIR: this script's directory;
       --no-tsne skips the slow t-SNE case, as the integration test does)

Needs numpy, scipy and scikit-learn (Debian: python3-sklearn). Everything is seeded, so the same
library versions write the same files. For each feature table NAME it writes
  NAME.input.csv.gz     the unscaled feature table (columns f0..f4)
  NAME.expected.csv.gz  per row: robust_*, standard_* (scaled), kdist (k = min_samples, the point
                        itself counted, as NearestNeighbors.kneighbors on the training set),
                        and for each eps in the case: labels and core flags of sklearn's DBSCAN on
                        the robust-scaled table; hdbscan_* labels of hdbscan_reference.py
  NAME.json             the parameters (min_samples, eps list) and library versions
and metrics.csv.gz / metrics.json: random label pairs with sklearn's ARI, AMI, homogeneity,
completeness and V-measure; tsne_embedding.csv.gz / tsne.json: sklearn's t-SNE of a blobs_noise
subsample and the trustworthiness of sklearn's exact and Barnes-Hut embeddings.
"""
import gzip
import json
import os
import sys

import numpy as np
import scipy
import sklearn
from sklearn.cluster import DBSCAN
from sklearn.datasets import make_blobs
from sklearn.manifold import TSNE, trustworthiness
from sklearn.neighbors import NearestNeighbors
from sklearn.preprocessing import RobustScaler, StandardScaler
from sklearn import metrics

import hdbscan_reference

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
ARGS = [a for a in sys.argv[1:] if not a.startswith("--")]
OUT = ARGS[0] if ARGS else os.path.dirname(os.path.abspath(__file__))
os.makedirs(OUT, exist_ok=True)


def write_csv_gz(path, header, columns):
    # mtime=0 keeps the gzip bytes reproducible; repr() prints the shortest round-trip form of a double.
    with gzip.GzipFile(path, "wb", mtime=0) as raw:
        lines = [",".join(header)]
        for row in zip(*columns):
            lines.append(",".join(repr(float(v)) if isinstance(v, (float, np.floating)) else str(v) for v in row))
        raw.write(("\n".join(lines) + "\n").encode())


def blobs_with_noise(rng):
    x, _ = make_blobs(n_samples=2000, n_features=5, centers=6, cluster_std=[0.4, 0.6, 0.8, 0.5, 1.0, 0.3],
                      random_state=11)
    noise = rng.uniform(x.min(axis=0) - 2, x.max(axis=0) + 2, size=(300, 5))
    return np.vstack([x, noise])


def ties_and_duplicates(rng):
    # Few distinct values per feature: many identical rows and many pairs at exactly the same distance.
    base = rng.integers(0, 6, size=(1200, 5)).astype(float)
    repeated = base[rng.integers(0, 200, size=600)]
    return np.vstack([base, repeated])[rng.permutation(1800)]


def telescope_like(rng):
    # Integer-valued features shaped like the real ones: destinations, period, start, activity, ports.
    rows = []
    month = 30 * 86400
    for size in [10, 12, 25, 40, 60, 120, 250]:
        start = int(rng.integers(0, month // 300)) * 300
        period = int(rng.choice([300, 600, 3600, 86400]))
        bins = int(rng.integers(2, 40))
        dests = rng.poisson(rng.uniform(50, 3000), size=size)
        ports = int(rng.choice([1, 1, 1, 2, 3, 10]))
        for d in dests:
            jitter = int(rng.integers(-1, 2)) * 300
            rows.append([d, period, start + jitter, bins * 300, ports])
    for _ in range(800):  # background noise: one-off sources with few packets
        bins = int(rng.integers(1, 4))
        rows.append([int(rng.integers(1, 6)), 300 if bins == 1 else int(rng.integers(1, 500)) * 300,
                     int(rng.integers(0, month // 300)) * 300, bins * 300, int(rng.integers(1, 3))])
    x = np.array(rows, dtype=float)
    return x[rng.permutation(len(x))]


def large_integer(rng):
    # A few thousand rows, integer grid with heavy duplication, eps crossing many exact ties.
    centers = rng.integers(0, 40, size=(30, 5))
    pick = rng.integers(0, 30, size=4000)
    x = centers[pick] + rng.integers(-2, 3, size=(4000, 5))
    noise = rng.integers(-2, 43, size=(400, 5))
    return np.vstack([x, noise]).astype(float)[rng.permutation(4400)]


# HDBSCAN (min_cluster_size, min_samples) per table, checked against hdbscan_reference.py on the robust-scaled table.
HDBSCAN_CASES = {"blobs_noise": [(15, 10), (40, 5)], "telescope_like": [(10, 10)], "ties_duplicates": [(10, 5)]}

CASES = {
    # name: (maker, min_samples, eps list (on robust-scaled data); "kdist:q" = the q-quantile of the k-distances,
    # which lands exactly on a pairwise distance and so tests the inclusive comparison)
    "blobs_noise": (blobs_with_noise, 10, [0.15, 0.3, "kdist:0.9"]),
    "ties_duplicates": (ties_and_duplicates, 10, [1 / 3, 0.35, "kdist:0.5"]),
    "telescope_like": (telescope_like, 10, [0.05, 0.2, "kdist:0.8"]),
    "large_integer": (large_integer, 10, [0.1, 0.2, "kdist:0.7"]),
}


def run_case(name, maker, min_samples, eps_list, seed):
    rng = np.random.default_rng(seed)
    x = maker(rng)
    robust = RobustScaler().fit_transform(x)
    standard = StandardScaler().fit_transform(x)
    kdist = NearestNeighbors(n_neighbors=min_samples).fit(robust).kneighbors(robust)[0][:, min_samples - 1]
    header = [f"robust_{j}" for j in range(5)] + [f"standard_{j}" for j in range(5)] + ["kdist"]
    columns = [robust[:, j] for j in range(5)] + [standard[:, j] for j in range(5)] + [kdist]
    used = []
    for i, eps in enumerate(eps_list):
        if isinstance(eps, str):
            eps = float(np.sort(kdist)[int(float(eps.split(":")[1]) * (len(kdist) - 1))])
        model = DBSCAN(eps=eps, min_samples=min_samples).fit(robust)
        core = np.zeros(len(x), dtype=int)
        core[model.core_sample_indices_] = 1
        header += [f"labels_{i}", f"core_{i}"]
        columns += [model.labels_, core]
        used.append(eps)
    hdbscan_cases = HDBSCAN_CASES.get(name, [])
    for i, (mcs, ms) in enumerate(hdbscan_cases):
        header.append(f"hdbscan_{i}")
        columns.append(hdbscan_reference.labels(robust, mcs, ms))
    write_csv_gz(os.path.join(OUT, f"{name}.input.csv.gz"), [f"f{j}" for j in range(5)], [x[:, j] for j in range(5)])
    write_csv_gz(os.path.join(OUT, f"{name}.expected.csv.gz"), header, columns)
    with open(os.path.join(OUT, f"{name}.json"), "w") as f:
        json.dump({"rows": len(x), "min_samples": min_samples, "eps": used, "hdbscan": hdbscan_cases,
                   "versions": versions()}, f, indent=1)
        f.write("\n")


def metrics_cases():
    rng = np.random.default_rng(5)
    cases = []
    for n, kt, kp in [(10, 3, 3), (50, 5, 7), (200, 20, 15), (1000, 50, 80), (3000, 300, 250), (500, 1, 6),
                      (500, 500, 30), (400, 400, 400)]:
        truth = rng.integers(0, kt, size=n)
        pred = rng.integers(0, kp, size=n)
        if kt == n:
            truth = np.arange(n)
        if kp == n:
            pred = np.arange(n)
        cases.append((truth, pred))
    # Nearly equal partitions: a clustering that is right but for a few moved and split points.
    truth = rng.integers(0, 40, size=2000)
    pred = truth.copy()
    pred[rng.integers(0, 2000, size=60)] = rng.integers(0, 45, size=60)
    cases.append((truth, pred))
    rows = []
    for case, (truth, pred) in enumerate(cases):
        rows.append({
            "case": case,
            "ari": metrics.adjusted_rand_score(truth, pred),
            "ami": metrics.adjusted_mutual_info_score(truth, pred),
            "homogeneity": metrics.homogeneity_score(truth, pred),
            "completeness": metrics.completeness_score(truth, pred),
            "v_measure": metrics.v_measure_score(truth, pred),
        })
    case_col = np.concatenate([np.full(len(t), c) for c, (t, _) in enumerate(cases)])
    write_csv_gz(os.path.join(OUT, "metrics.csv.gz"), ["case", "truth", "pred"],
                 [case_col, np.concatenate([t for t, _ in cases]), np.concatenate([p for _, p in cases])])
    with open(os.path.join(OUT, "metrics.json"), "w") as f:
        json.dump({"cases": rows, "versions": versions()}, f, indent=1)
        f.write("\n")


def tsne_case():
    # Rows 0, 8, 16, ... (exact t-SNE) and 0, 4, 8, ... (Barnes-Hut) of the robust-scaled blobs_noise table.
    x = RobustScaler().fit_transform(blobs_with_noise(np.random.default_rng(1)))
    small, large = x[::8], x[::4]
    exact = TSNE(method="exact", random_state=0, init="pca", learning_rate="auto").fit_transform(small)
    bh = TSNE(method="barnes_hut", random_state=0, init="pca", learning_rate="auto").fit_transform(large)
    write_csv_gz(os.path.join(OUT, "tsne_embedding.csv.gz"), ["x", "y"], [exact[:, 0], exact[:, 1]])
    with open(os.path.join(OUT, "tsne.json"), "w") as f:
        json.dump({"exact_rows": "blobs_noise robust-scaled, every 8th row", "bh_rows": "every 4th row",
                   "trustworthiness_exact": trustworthiness(small, exact, n_neighbors=5),
                   "trustworthiness_bh": trustworthiness(large, bh, n_neighbors=5),
                   "versions": versions()}, f, indent=1)
        f.write("\n")


def versions():
    return {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}


if __name__ == "__main__":
    for seed, (name, (maker, k, eps)) in enumerate(CASES.items()):
        run_case(name, maker, k, eps, seed + 1)
    metrics_cases()
    if "--no-tsne" not in sys.argv:
        tsne_case()
