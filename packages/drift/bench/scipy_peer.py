#!/usr/bin/python3
"""scipy/numpy side of the @mlops/drift benchmark: the same work on the same data files.

Usage: scipy_peer.py <ref.f64> <cur.f64> <columns> <rows>
Files are column-major float64 (column c occupies rows*8 bytes at offset c*rows*8).
Prints one JSON object: per-test CPU seconds (time.process_time) and wall seconds, and results.
"""
import json, sys, time
import numpy as np
from scipy import stats

ref_path, cur_path, ncols, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ref = np.fromfile(ref_path, dtype=np.float64).reshape(ncols, n)
cur = np.fromfile(cur_path, dtype=np.float64).reshape(ncols, n)

def psi(r, c, bins=10):
    edges = np.quantile(r, np.linspace(0, 1, bins + 1))[1:-1]
    rc = np.bincount(np.searchsorted(edges, r, side="right"), minlength=bins)
    cc = np.bincount(np.searchsorted(edges, c, side="right"), minlength=bins)
    rs = np.where(rc == 0, 1e-4, rc / r.size); cs = np.where(cc == 0, 1e-4, cc / c.size)
    return float(np.sum((cs - rs) * np.log(cs / rs)))

cpu = {"ks": 0.0, "wasserstein": 0.0, "psi": 0.0}
wall = {"ks": 0.0, "wasserstein": 0.0, "psi": 0.0}
results = []
for c in range(ncols):
    out = {}
    for name, fn in (("ks", lambda: stats.ks_2samp(ref[c], cur[c])), ("wasserstein", lambda: stats.wasserstein_distance(ref[c], cur[c])), ("psi", lambda: psi(ref[c], cur[c]))):
        t0, w0 = time.process_time(), time.perf_counter()
        v = fn()
        cpu[name] += time.process_time() - t0
        wall[name] += time.perf_counter() - w0
        out[name] = [float(v.statistic), float(v.pvalue)] if name == "ks" else float(v)
    results.append(out)
print(json.dumps({"cpu": cpu, "wall": wall, "results": results}))
