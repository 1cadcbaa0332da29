// Binomial probabilities accurate to a few ulps for any n, by Catherine Loader's saddle-point
// expansion ("Fast and Accurate Computation of Binomial Probabilities", 2000): the deviance bd0
// and the Stirling remainder are computed without the cancellation of lgamma differences.
import { logGamma } from './gamma.js';

const LN_2PI = 1.8378770664093456;
const S0 = 1 / 12;
const S1 = 1 / 360;
const S2 = 1 / 1260;
const S3 = 1 / 1680;
const S4 = 1 / 1188;

// Stirling remainder: ln(n!) - [(n + 1/2) ln(n) - n + ln(√(2π))] at n (n = 0.5, 1, 1.5, ...).
function stirlingError(n: number): number {
  if (n <= 15) {
    // Small n: exact from logGamma (no cancellation problem at this size).
    return logGamma(n + 1) - (n + 0.5) * Math.log(n) + n - LN_2PI / 2;
  }
  const nn = n * n;
  if (n > 500) return (S0 - S1 / nn) / n;
  if (n > 80) return (S0 - (S1 - S2 / nn) / nn) / n;
  if (n > 35) return (S0 - (S1 - (S2 - S3 / nn) / nn) / nn) / n;
  return (S0 - (S1 - (S2 - (S3 - S4 / nn) / nn) / nn) / nn) / n;
}

// Deviance term x ln(x / np) + np - x, evaluated by a series when x is close to np.
function deviance(x: number, np: number): number {
  if (Math.abs(x - np) < 0.1 * (x + np)) {
    let v = (x - np) / (x + np);
    const s0 = (x - np) * v;
    let s = s0;
    let ej = 2 * x * v;
    v *= v;
    for (let j = 1; j < 1000; j++) {
      ej *= v;
      const s1 = s + ej / (2 * j + 1);
      if (s1 === s) return s1;
      s = s1;
    }
    return s;
  }
  return x * Math.log(x / np) + np - x;
}

/** P(X = x) for X ~ Binomial(n, p), with q = 1 - p passed separately to keep its precision. */
export function binomialPmf(x: number, n: number, p: number, q: number): number {
  if (p === 0) return x === 0 ? 1 : 0;
  if (q === 0) return x === n ? 1 : 0;
  if (x === 0) return Math.exp(n * Math.log1p(-p));
  if (x === n) return Math.exp(n * Math.log(p));
  const lc = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - deviance(x, n * p) - deviance(n - x, n * q);
  const lf = LN_2PI + Math.log(x) + Math.log1p(-x / n);
  return Math.exp(lc - 0.5 * lf);
}
