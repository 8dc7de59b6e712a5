#!/usr/bin/python3
"""A small, plain reference implementation of HDBSCAN (numpy and scipy only) to check ScanScope's against.

scikit-learn 1.2 has no HDBSCAN and the hdbscan package is not in Debian, so this follows the definition
step by step, as in Campello, Moulavi, Sander (2013) and McInnes' hdbscan package:

  core distance     distance to the min_samples-th nearest point, the point itself counted first
  mutual reach.     max(core(a), core(b), d(a, b))
  spanning tree     Prim's algorithm on the dense mutual reachability matrix
  single linkage    edges by increasing weight (stable), union-find, scipy's linkage layout
  condensed tree    a split with a side smaller than min_cluster_size is points falling out
  selection         excess of mass, bottom up, root excluded (allow_single_cluster=False),
                    a cluster kept when its stability >= the sum of its children's
  labels            a point belongs to the selected cluster above it in the condensed tree, else -1

Usage as a library: labels(X, min_cluster_size, min_samples) -> numpy int array.
Usage as a program:  hdbscan_reference.py IN.csv OUT.csv MIN_CLUSTER_SIZE MIN_SAMPLES
                     (IN: rows of floats with a header; OUT: one label per row under the header "label")
"""
import sys

import numpy as np
from scipy.spatial.distance import cdist


def core_distances(x, min_samples):
    d = cdist(x, x)
    return d, np.sort(d, axis=1)[:, min_samples - 1]


def spanning_tree(d, core):
    n = len(d)
    reach = np.maximum(d, np.maximum(core[:, None], core[None, :]))
    in_tree = np.zeros(n, dtype=bool)
    best = np.full(n, np.inf)
    source = np.zeros(n, dtype=int)
    edges = []
    current = 0
    in_tree[0] = True
    for _ in range(n - 1):
        better = (~in_tree) & (reach[current] < best)
        best[better] = reach[current][better]
        source[better] = current
        candidates = np.where(~in_tree, best, np.inf)
        nxt = int(np.argmin(candidates))  # first index on ties
        edges.append((int(source[nxt]), nxt, float(best[nxt])))
        in_tree[nxt] = True
        current = nxt
    return edges


def single_linkage(n, edges):
    order = sorted(range(len(edges)), key=lambda e: (edges[e][2], e))
    parent = list(range(2 * n - 1))
    size = [1] * n + [0] * (n - 1)

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    merges = []
    nxt = n
    for e in order:
        a, b, w = edges[e]
        ra, rb = find(a), find(b)
        size[nxt] = size[ra] + size[rb]
        parent[ra] = parent[rb] = nxt
        merges.append((ra, rb, w, size[nxt]))
        nxt += 1
    return merges


def leaves(merges, n, node):
    if node < n:
        return [node]
    left, right, _, _ = merges[node - n]
    return leaves(merges, n, left) + leaves(merges, n, right)


def condense(merges, n, min_cluster_size):
    rows = []  # (parent, child, lambda, size)
    root = 2 * n - 2
    label = {root: n}
    next_label = n + 1
    queue = [root]
    while queue:
        node = queue.pop(0)
        left, right, dist, _ = merges[node - n]
        lam = 1.0 / dist if dist > 0 else np.inf
        count = lambda c: merges[c - n][3] if c >= n else 1
        lc, rc = count(left), count(right)
        parent = label[node]
        if lc >= min_cluster_size and rc >= min_cluster_size:
            for child, c in ((left, lc), (right, rc)):
                label[child] = next_label
                next_label += 1
                rows.append((parent, label[child], lam, c))
                queue.append(child)
        else:
            for child, c in ((left, lc), (right, rc)):
                if c >= min_cluster_size:
                    label[child] = parent
                    queue.append(child)
                else:
                    rows.extend((parent, p, lam, 1) for p in leaves(merges, n, child))
    return rows


def select(rows, n):
    clusters = sorted({r[0] for r in rows} | {r[1] for r in rows if r[1] >= n})
    birth = {n: 0.0}
    for parent, child, lam, _ in rows:
        if child >= n:
            birth[child] = lam
    stability = {c: 0.0 for c in clusters}
    for parent, child, lam, size in rows:
        stability[parent] += (lam - birth[parent]) * size
    children = {c: [r[1] for r in rows if r[0] == c and r[1] >= n] for c in clusters}
    chosen = {c: False for c in clusters}
    for c in sorted(clusters, reverse=True):
        if c == n:
            continue
        subtree = sum(stability[k] for k in children[c])
        if subtree > stability[c]:
            stability[c] = subtree
        else:
            chosen[c] = True
            stack = list(children[c])
            while stack:
                k = stack.pop()
                chosen[k] = False
                stack.extend(children[k])
    return [c for c in clusters if chosen[c]]


def labels(x, min_cluster_size, min_samples):
    n = len(x)
    d, core = core_distances(np.asarray(x, dtype=float), min_samples)
    merges = single_linkage(n, spanning_tree(d, core))
    rows = condense(merges, n, min_cluster_size)
    chosen = select(rows, n)
    parent_of = {child: parent for parent, child, _, _ in rows}
    number = {c: k for k, c in enumerate(chosen)}
    out = np.full(n, -1)
    for p in range(n):
        node = parent_of[p]
        while node not in number and node in parent_of:
            node = parent_of[node]
        out[p] = number.get(node, -1)
    return out


if __name__ == "__main__":
    data = np.loadtxt(sys.argv[1], delimiter=",", skiprows=1, ndmin=2)
    result = labels(data, int(sys.argv[3]), int(sys.argv[4]))
    np.savetxt(sys.argv[2], result, fmt="%d", header="label", comments="")
