#!/usr/bin/python3
"""The sibling clustering (docs/clustering.md, "Siblings") written independently in numpy, clustered by
scikit-learn's DBSCAN on the precomputed sibling graph.

Usage: /usr/bin/python3 siblings_reference.py FEATURES.csv[.gz] OUT.csv [BIN_SECONDS]

Reads a features.csv as `scanscope analyze` writes it and writes src_ip,cluster_id (-2: more than half
the telescope on one port, set aside; -1 noise). Brute force over all pairs: for tables of a few
thousand rows. The defaults are SiblingOptions' defaults.
"""
import sys

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.cluster import DBSCAN

SIGMAS, PERIOD_TOLERANCE, START_GAPS, START_CAP, PORT_JACCARD, MIN_SAMPLES = 3.0, 0.15, 3.0, 86400.0, 0.5, 3
LAUNCH_SKEW = 300.0


def per_port(text):
    return [int(p.split(":")[1]) for p in str(text).split(";")] if isinstance(text, str) and text else []


def main(path, out, b):
    f = pd.read_csv(path, keep_default_na=False, dtype={"ports_list": str, "port_destinations": str, "coverage": str, "tools": str})
    counts = [per_port(t) for t in f.port_destinations]
    dest = f.destinations.to_numpy(float)
    dpp = np.array([np.mean(c) if c else d for c, d in zip(counts, dest)])
    most = np.array([max(c) if c else d for c, d in zip(counts, dest)])
    coverage = np.array([float(c) if c else np.nan for c in f.coverage])
    heavy = most * coverage / np.where(dest > 0, dest, 1) > 0.5

    first = pd.to_datetime(f.first_seen).astype("int64").to_numpy()
    last = pd.to_datetime(f.last_seen).astype("int64").to_numpy()
    packets = f.packets.to_numpy()
    gap = np.where(packets > 1, (last - first) / 1e9 / np.maximum(packets - 1, 1), 0.0)
    tolerance = np.minimum(LAUNCH_SKEW + START_GAPS * gap, START_CAP)
    z = SIGMAS * np.sqrt(2)
    x = np.column_stack([
        2 * np.sqrt(dpp + 0.375) / z,
        2 * np.sqrt(f.activity.to_numpy(float) / b + 0.375) / z,
        np.log(f.period.to_numpy(float)) / PERIOD_TOLERANCE,
        f.ports.to_numpy(float) / 0.5,
    ])
    ports = [frozenset(str(p).split(";")) if p else frozenset() for p in f.ports_list]
    tools = [frozenset(t.split(";")) if t else frozenset() for t in f.tools]
    start = first / 1e9

    keep = np.flatnonzero(~heavy)
    rows, cols = [], []
    for a, i in enumerate(keep):
        d2 = ((x[keep] - x[i]) ** 2).sum(axis=1)
        near = (d2 <= 1.0) & (np.abs(start[keep] - start[i]) <= np.maximum(tolerance[keep], tolerance[i]))
        for c in np.flatnonzero(near):
            j = keep[c]
            union = len(ports[i] | ports[j])
            same_tool = bool(tools[i] & tools[j]) or (not tools[i] and not tools[j])
            if c == a or (same_tool and (len(ports[i] & ports[j]) / union if union else 1.0) >= PORT_JACCARD):
                rows.append(a)
                cols.append(c)

    # Stored entries are the neighbours (distance 0.5 <= eps 1); absent pairs are not.
    graph = sp.csr_matrix((np.full(len(rows), 0.5), (rows, cols)), shape=(len(keep), len(keep)))
    labels = np.full(len(f), -2)
    if len(keep):
        labels[keep] = DBSCAN(eps=1.0, min_samples=MIN_SAMPLES, metric="precomputed").fit_predict(graph)
    pd.DataFrame({"src_ip": f.src_ip, "cluster_id": labels}).to_csv(out, index=False)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 300.0)
