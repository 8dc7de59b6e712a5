"""Synthetic telescope-like feature tables for the clustering benchmark (seeded).

Five integer-valued features as the real ones (destinations, period, start, activity, ports): 70% of sources
in scan groups of 10..250 hosts sharing start, period, activity and ports with Poisson destinations, 30%
one-off background sources. Many rows are identical, as in real tables.
"""
import numpy as np
from sklearn.preprocessing import RobustScaler

MONTH_BINS = 30 * 288  # 300 s bins in a month


def features(n, seed=0):
    rng = np.random.default_rng(seed)
    grouped = int(n * 0.7)
    sizes = []
    while sum(sizes) < grouped:
        sizes.append(int(rng.integers(10, 251)))
    sizes[-1] -= sum(sizes) - grouped
    g = len(sizes)
    start = rng.integers(0, MONTH_BINS, size=g) * 300
    period = rng.choice([300, 600, 1800, 3600, 86400], size=g)
    bins = rng.integers(1, 60, size=g)
    ports = rng.choice([1, 1, 1, 2, 3, 10], size=g)
    mu = rng.uniform(5, 3000, size=g)
    member = np.repeat(np.arange(g), sizes)
    x = np.empty((n, 5))
    x[:grouped, 0] = rng.poisson(mu[member])
    x[:grouped, 1] = period[member]
    x[:grouped, 2] = start[member] + rng.integers(-1, 2, size=grouped) * 300
    x[:grouped, 3] = bins[member] * 300
    x[:grouped, 4] = ports[member]
    m = n - grouped
    nb = rng.integers(1, 4, size=m)
    x[grouped:, 0] = rng.integers(1, 6, size=m)
    x[grouped:, 1] = np.where(nb == 1, 300, rng.integers(1, 200, size=m) * 300)
    x[grouped:, 2] = rng.integers(0, MONTH_BINS, size=m) * 300
    x[grouped:, 3] = nb * 300
    x[grouped:, 4] = rng.integers(1, 3, size=m)
    return x[rng.permutation(n)]


def scaled(n, seed=0):
    return RobustScaler().fit_transform(features(n, seed))
