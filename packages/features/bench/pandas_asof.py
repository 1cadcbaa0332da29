# pandas merge_asof peer for the PIT benchmark: reads the raw arrays the Node bench wrote,
# times sort + merge_asof (by key, backward, tolerance = TTL), prints JSON.
import json, resource, sys, time
import numpy as np
import pandas as pd

d, n_entity, n_feature, n_features, ttl_ms = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
ek = np.fromfile(f"{d}/entity_key.bin", dtype=np.int64)
et = np.fromfile(f"{d}/entity_ts.bin", dtype=np.int64)
fk = np.fromfile(f"{d}/feature_key.bin", dtype=np.int64)
ft = np.fromfile(f"{d}/feature_ts.bin", dtype=np.int64)
fv = np.fromfile(f"{d}/feature_values.bin", dtype=np.float64).reshape(n_features, n_feature)
entity = pd.DataFrame({"driver_id": ek, "event_timestamp": pd.to_datetime(et, unit="ms"), "row": np.arange(n_entity)})
features = pd.DataFrame({"driver_id": fk, "event_timestamp": pd.to_datetime(ft, unit="ms"), **{f"f{i}": fv[i] for i in range(n_features)}})
start = time.perf_counter()
left = entity.sort_values("event_timestamp", kind="stable")
right = features.sort_values("event_timestamp", kind="stable")
out = pd.merge_asof(left, right, on="event_timestamp", by="driver_id", direction="backward", allow_exact_matches=True, tolerance=pd.Timedelta(milliseconds=ttl_ms))
out = out.sort_values("row", kind="stable")
seconds = time.perf_counter() - start
checksum = float(np.nansum(out["f0"].to_numpy()))
print(json.dumps({"seconds": seconds, "matched": int(out["f0"].notna().sum()), "checksum": checksum, "maxRssMiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
