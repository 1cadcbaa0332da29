import { InvalidArgumentError } from '@mlops/contracts/errors';

/** A trained logistic regression on raw (unscaled) inputs: `sigmoid(x · weights + bias)`. */
export interface LogisticModel {
  weights: number[];
  bias: number;
}

/**
 * Fits a logistic regression by full-batch gradient descent on standardised inputs (L2 `l2`),
 * then folds the scaling into the weights so the model takes raw feature values.
 */
export function trainLogisticRegression(x: readonly (readonly number[])[], y: readonly number[], options: { epochs?: number; learningRate?: number; l2?: number } = {}): LogisticModel {
  const n = x.length;
  if (n === 0 || n !== y.length) throw new InvalidArgumentError(`Expected as many labels as rows (and at least one row), found ${n} rows and ${y.length} labels.`);
  const k = x[0]!.length;
  const mean = new Array<number>(k).fill(0);
  const std = new Array<number>(k).fill(0);
  for (const row of x) for (let j = 0; j < k; j++) mean[j]! += row[j]! / n;
  for (const row of x) for (let j = 0; j < k; j++) std[j]! += (row[j]! - mean[j]!) ** 2 / n;
  for (let j = 0; j < k; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const z = x.map((row) => row.map((v, j) => (v - mean[j]!) / std[j]!));
  const w = new Array<number>(k).fill(0);
  let b = 0;
  const epochs = options.epochs ?? 300;
  const lr = options.learningRate ?? 0.5;
  const l2 = options.l2 ?? 1e-3;
  for (let e = 0; e < epochs; e++) {
    const gw = new Array<number>(k).fill(0);
    let gb = 0;
    for (let i = 0; i < n; i++) {
      let s = b;
      for (let j = 0; j < k; j++) s += w[j]! * z[i]![j]!;
      const err = 1 / (1 + Math.exp(-s)) - y[i]!;
      for (let j = 0; j < k; j++) gw[j]! += (err * z[i]![j]!) / n;
      gb += err / n;
    }
    for (let j = 0; j < k; j++) w[j]! -= lr * (gw[j]! + l2 * w[j]!);
    b -= lr * gb;
  }
  const weights = w.map((wj, j) => wj / std[j]!);
  const bias = b - w.reduce((s, wj, j) => s + (wj * mean[j]!) / std[j]!, 0);
  return { weights, bias };
}

/** `sigmoid(x · weights + bias)` for each row. */
export function predict(model: LogisticModel, x: readonly (readonly number[])[]): number[] {
  return x.map((row) => 1 / (1 + Math.exp(-row.reduce((s, v, j) => s + v * model.weights[j]!, model.bias))));
}

/** Area under the ROC curve (Mann-Whitney U with average ranks for ties). */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const order = scores.map((s, i) => [s, labels[i]!] as const).sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  let positives = 0;
  for (let i = 0; i < order.length; ) {
    let j = i;
    while (j < order.length && order[j]![0] === order[i]![0]) j++;
    const avgRank = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) if (order[t]![1] === 1) {
      rankSum += avgRank;
      positives++;
    }
    i = j;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
