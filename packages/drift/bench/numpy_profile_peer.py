#!/usr/bin/python3
"""numpy baseline for benchmark 2: per column count/NaN, min/max, mean/var, 101 quantiles, histogram, distinct count."""
import json, sys, time
import numpy as np

path, ncols, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = np.fromfile(path, dtype=np.float64).reshape(ncols, n)
cpu = 0.0; distinct_cpu = 0.0
for c in range(ncols):
    t0 = time.process_time()
    x = data[c]
    finite = x[np.isfinite(x)]
    _ = (x.size - finite.size, finite.min(), finite.max(), finite.mean(), finite.var())
    _ = np.quantile(finite, np.linspace(0, 1, 101))
    _ = np.histogram(finite, bins=10)
    t1 = time.process_time()
    _ = np.unique(finite).size
    t2 = time.process_time()
    cpu += t2 - t0; distinct_cpu += t2 - t1
print(json.dumps({"cpu": cpu, "distinct_cpu": distinct_cpu}))
