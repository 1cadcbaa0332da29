#!/usr/bin/env sh
# Promote MODEL@challenger to MODEL@champion only if (1) the data it was trained on looks like
# production's (drift profiles stored with each version) and (2) it beats the champion's metric.
# Exit 0: promoted. Exit 3: refused (drift or gate), nothing changed. Exit 1/2: something broke.
# Needs: `mlops` on PATH and MLOPS_REGISTRY_URL (a path, file://, s3:// or gs:// URL).
set -eu
MODEL="${1:-churn}"
METRIC="${GATE_METRIC:-auc}"
MIN_IMPROVEMENT="${GATE_MIN_IMPROVEMENT:-0.01}"
OUT="${GATE_OUT:-gate-out}"
: "${MLOPS_REGISTRY_URL:?set MLOPS_REGISTRY_URL to the registry store}"

rm -rf "$OUT" && mkdir -p "$OUT"
mlops registry download "$MODEL@champion" "$OUT/champion"
mlops registry download "$MODEL@challenger" "$OUT/challenger"

echo "== drift: candidate training data vs production's"
mlops drift report --reference "$OUT/champion/reference.profile" --current "$OUT/challenger/reference.profile" \
  --html "$OUT/drift.html" --fail-on-drift

echo "== gate: $METRIC must beat the champion by $MIN_IMPROVEMENT"
mlops registry promote "$MODEL" --from challenger --to champion --metric "$METRIC" --min-improvement "$MIN_IMPROVEMENT" \
  --reason "ci-gate ${GITHUB_SHA:-local}"
