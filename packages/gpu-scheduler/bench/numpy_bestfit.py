"""Peer for the placement benchmark: best-fit with numpy, vectorised over nodes.

Reads the same cluster and job list the TypeScript benchmark generated (JSON on stdin),
runs the same cycles (schedule every queued job in priority/submit order, gangs all or
nothing; then complete everything that was placed), and prints placements and seconds.
This is how a Python simulator (e.g. the FGD artifact) would place: one vectorised
filter + argmin over all nodes per worker.
"""
import json
import sys
import time

import numpy as np

spec = json.load(sys.stdin)
models = np.array(spec["nodeModels"], dtype=np.int32)
cap = np.array(spec["nodeGpus"], dtype=np.int32)
jobs = spec["jobs"]  # [id, priority, submit, workers, gpus, model]
max_jobs = spec.get("maxJobs", len(jobs))
jobs = jobs[:max_jobs]
free = cap.copy()
queue = sorted(jobs, key=lambda j: (-j[1], j[2], j[0]))
placed_total = 0
t0 = time.perf_counter()
c0 = time.process_time()
while queue:
    keep = []
    running = []
    for job in queue:
        _, _, _, workers, gpus, model = job
        chosen = []
        for _ in range(workers):
            ok = free >= gpus
            if model >= 0:
                ok &= models == model
            if not ok.any():
                break
            cand = np.where(ok, free, np.iinfo(np.int32).max)
            best = int(np.argmin(cand))
            free[best] -= gpus
            chosen.append(best)
        if len(chosen) == workers:
            running.append((job, chosen))
        else:
            for i in chosen:
                free[i] += gpus
            keep.append(job)
    if not running:
        break
    placed_total += len(running)
    for job, chosen in running:
        for i in chosen:
            free[i] += job[4]
    queue = keep
elapsed = time.perf_counter() - t0
cpu = time.process_time() - c0
print(json.dumps({"placements": placed_total, "seconds": elapsed, "cpuSeconds": cpu}))
