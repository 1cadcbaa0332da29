#!/usr/bin/env sh
# Regenerates the small trace slices the tests use, from the traces bundled in traces/.
set -eu
here="$(cd "$(dirname "$0")/.." && pwd)"
data="$here/traces"
out="$here/test/fixtures"
mkdir -p "$out"
# Philly: header + the first 400 jobs in file order.
gzip -dc "$data/philly-jobs.csv.gz" | head -n 401 > "$out/philly-slice.csv"
# Alibaba: the first 40 nodes (P100, T4 and others) and the first 300 pods.
{ head -n 1 "$data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv"; awk 'NR>1 && (NR%30==2)' "$data/alibaba-gpu-v2023/openb_node_list_gpu_node.csv"; } > "$out/alibaba-nodes-slice.csv"
head -n 301 "$data/alibaba-gpu-v2023/openb_pod_list_default.csv" > "$out/alibaba-pods-slice.csv"
