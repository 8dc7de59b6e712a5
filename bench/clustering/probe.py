import sys, time, numpy as np
from sklearn.neighbors import NearestNeighbors
import data
x = data.scaled(100_000)
print("distinct", len(np.unique(x, axis=0)))
nn = NearestNeighbors().fit(x)
for eps in [0.005, 0.01, 0.02, 0.05]:
    c = nn.radius_neighbors(x[::50], eps, return_distance=False)
    print(eps, np.mean([len(v) for v in c]), np.percentile([len(v) for v in c], [50, 99]))
