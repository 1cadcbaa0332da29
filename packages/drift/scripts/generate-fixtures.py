#!/usr/bin/python3
"""Reference values for @mlops/drift's statistical tests, computed with scipy/numpy.

Run with Debian's python3-scipy / python3-numpy:
    /usr/bin/python3 packages/drift/scripts/generate-fixtures.py
Writes packages/drift/test/fixtures/scipy-reference.json. Tests read that file; they never run python.
"""
import json, math, os, sys, warnings
import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

warnings.simplefilter("ignore")
rng = np.random.default_rng(20261123)

def r6(a):
    return [float(v) for v in np.round(np.asarray(a, dtype=float), 6)]

def cases():
    yield "tiny_5_5", r6(rng.normal(size=5)), r6(rng.normal(size=5))
    yield "small_8_10", r6(rng.normal(size=8)), r6(rng.normal(0.5, 1, size=10))
    yield "small_cvm_exact_15_12", r6(rng.normal(size=15)), r6(rng.normal(0.3, 1.2, size=12))
    yield "small_ties_10_12", [float(v) for v in rng.integers(0, 4, size=10)], [float(v) for v in rng.integers(0, 5, size=12)]
    yield "equal_50_50", r6(rng.normal(size=50)), r6(rng.normal(0.2, 1, size=50))
    yield "unequal_30_47", r6(rng.normal(size=30)), r6(rng.normal(0, 1.5, size=47))
    yield "medium_300_500", r6(rng.normal(size=300)), r6(rng.normal(0.1, 1, size=500))
    yield "tied_200_300", [float(v) for v in rng.integers(0, 6, size=200)], [float(v) for v in rng.integers(0, 7, size=300)]
    yield "skewed_1000_800", r6(rng.lognormal(0, 1, size=1000)), r6(rng.lognormal(0.1, 1, size=800))
    yield "heavy_tailed_500_700", r6(rng.standard_cauchy(size=500)), r6(rng.standard_cauchy(size=700) * 1.2)
    yield "constant_50_40", [3.0] * 50, [3.0] * 40
    yield "constant_vs_spread_30_30", [1.0] * 30, r6(rng.normal(1, 1, size=30))
    yield "disjoint_100_120", r6(rng.uniform(0, 1, size=100)), r6(rng.uniform(5, 6, size=120))
    yield "same_sample_200", *(lambda a: (a, list(a)))(r6(rng.normal(size=200)))
    yield "exact_big_9000_7000", r6(rng.normal(size=9000)), r6(rng.normal(0.02, 1, size=7000))
    yield "asymp_12000_3000", r6(rng.normal(size=12000)), r6(rng.normal(0.03, 1, size=3000))
    yield "asymp_equal_20000", r6(rng.normal(size=20000)), r6(rng.normal(0.01, 1, size=20000))
    yield "asymp_unbalanced_15000_12", r6(rng.normal(size=15000)), r6(rng.normal(0.5, 1, size=12))
    yield "asymp_drifted_11000_11000", r6(rng.normal(size=11000)), r6(rng.normal(0.1, 1, size=11000))
    yield "cvm_asymp_ties_400_300", [float(v) for v in rng.integers(0, 20, size=400)], [float(v) for v in rng.integers(0, 21, size=300)]

def quantile_edges(ref, bins):
    return np.quantile(np.asarray(ref), np.linspace(0, 1, bins + 1))[1:-1]

def psi_np(ref, cur, bins, binning):
    ref = np.asarray(ref); cur = np.asarray(cur)
    if binning == "quantile":
        edges = quantile_edges(ref, bins)
    else:
        edges = np.linspace(ref.min(), ref.max(), bins + 1)[1:-1]
    rc = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=bins)
    cc = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=bins)
    r = rc / ref.size; c = cc / cur.size
    r = np.where(rc == 0, 1e-4, r); c = np.where(cc == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r)))

out = {"generator": "packages/drift/scripts/generate-fixtures.py", "scipy": scipy.__version__, "numpy": np.__version__, "numerical": [], "kstwo": [], "chi2": [], "vectors": [], "ztest": [], "adjust": []}
for name, ref, cur in cases():
    row = {"name": name, "reference": ref, "current": cur}
    ks = stats.ks_2samp(ref, cur, method="auto")
    row["ks"] = [float(ks.statistic), float(ks.pvalue)]
    if len(ref) > 1 and len(cur) > 1:
        cvm = stats.cramervonmises_2samp(ref, cur, method="auto")
        row["cvm"] = [float(cvm.statistic), float(cvm.pvalue)]
    try:
        ad = stats.anderson_ksamp([ref, cur])
        row["ad"] = [float(ad.statistic), float(ad.significance_level)]
    except ValueError:
        row["ad"] = None
    row["wasserstein"] = float(stats.wasserstein_distance(ref, cur))
    row["wasserstein_normed"] = row["wasserstein"] / max(float(np.std(ref)), 0.001)
    row["energy"] = float(stats.energy_distance(ref, cur))
    row["psi_quantile_10"] = psi_np(ref, cur, 10, "quantile")
    row["psi_equal_width_10"] = psi_np(ref, cur, 10, "equal-width")
    row["psi_quantile_20"] = psi_np(ref, cur, 20, "quantile")
    out["numerical"].append(row)

for n in [1, 2, 3, 5, 10, 50, 140, 141, 500, 1000, 5000, 10000, 20000, 100000, 250000]:
    for x in [0.001, 0.004, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.45, 0.5, 0.6, 0.9, 0.99]:
        out["kstwo"].append([n, x, float(stats.kstwo.sf(x, n))])

tables = [
    ([10, 20, 30], [12, 18, 30]),
    ([5, 0, 7, 9], [6, 3, 0, 11]),
    ([1000, 2000, 3000, 4000], [1100, 1900, 3100, 3900]),
    ([1000, 2000, 3000, 4000], [3000, 2000, 1000, 400]),
    ([50, 50], [10, 90]),
    ([1, 1], [1, 1]),
    (list(rng.integers(1, 100, size=40)), list(rng.integers(1, 100, size=40))),
    ([123456, 234567, 345678], [123000, 240000, 340000]),
]
for ref, cur in tables:
    ref = [int(v) for v in ref]; cur = [int(v) for v in cur]
    keep = [i for i in range(len(ref)) if ref[i] + cur[i] > 0]
    t = np.array([[ref[i] for i in keep], [cur[i] for i in keep]])
    chi2, p, dof, _ = stats.chi2_contingency(t, correction=False)
    out["chi2"].append({"reference": ref, "current": cur, "statistic": float(chi2), "pValue": float(p), "dof": int(dof)})

vecs = [
    ([0.1, 0.2, 0.7], [0.2, 0.2, 0.6]),
    ([1, 0, 0], [0, 1, 0]),
    ([5, 10, 15, 20], [20, 15, 10, 5]),
    ([0.25, 0.25, 0.25, 0.25], [0.25, 0.25, 0.25, 0.25]),
    ([3, 0, 7], [3, 1, 6]),
    (list(rng.uniform(0, 1, size=50)), list(rng.uniform(0, 1, size=50))),
]
for p, q in vecs:
    p = [float(v) for v in p]; q = [float(v) for v in q]
    pn = np.asarray(p) / np.sum(p); qn = np.asarray(q) / np.sum(q)
    out["vectors"].append({
        "p": p, "q": q,
        "js2": float(distance.jensenshannon(p, q, base=2)),
        "jse": float(distance.jensenshannon(p, q)),
        "kl": float(stats.entropy(p, q)) if np.all((np.asarray(q) > 0) | (np.asarray(p) == 0)) else "inf",
        "hellinger": float(np.sqrt(np.sum((np.sqrt(pn) - np.sqrt(qn)) ** 2) / 2)),
        "tvd": float(np.sum(np.abs(pn - qn)) / 2),
    })

for s1, n1, s2, n2 in [(30, 100, 45, 100), (500, 1000, 520, 1000), (10, 1000, 60, 1200), (1, 3, 2, 3), (7000, 10000, 6000, 10000)]:
    p1 = s1 / n1; p2 = s2 / n2; P = (s1 + s2) / (n1 + n2)
    z = (p1 - p2) / math.sqrt(P * (1 - P) * (1 / n1 + 1 / n2))
    out["ztest"].append({"reference": [s1, n1], "current": [s2, n2], "statistic": z, "pValue": float(2 * stats.norm.sf(abs(z)))})

def holm(p):
    p = np.asarray(p); m = p.size; o = np.argsort(p, kind="stable")
    adj = np.minimum(1, np.maximum.accumulate((m - np.arange(m)) * p[o])); out = np.empty(m); out[o] = adj; return out
def bh(p):
    p = np.asarray(p); m = p.size; o = np.argsort(p, kind="stable")
    adj = np.minimum(1, np.minimum.accumulate((m * p[o] / np.arange(1, m + 1))[::-1])[::-1]); out = np.empty(m); out[o] = adj; return out
for ps in [[0.01, 0.04, 0.03, 0.005, 0.5], list(rng.uniform(0, 0.2, size=12))]:
    ps = [float(v) for v in ps]
    out["adjust"].append({"p": ps, "bonferroni": [min(1.0, v * len(ps)) for v in ps], "holm": [float(v) for v in holm(ps)], "benjamini-hochberg": [float(v) for v in bh(ps)]})

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures", "scipy-reference.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
print("wrote", path, os.path.getsize(path), "bytes")
