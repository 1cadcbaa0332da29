// Kubernetes resource.Quantity strings (k8s.io/apimachinery/pkg/api/resource): decimal SI
// suffixes (n u m k M G T P E), binary suffixes (Ki Mi Gi Ti Pi Ei) and decimal exponents (1e3).
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** A Kubernetes quantity as a plain number (`500m` -> 0.5, `1Gi` -> 1073741824); NaN when malformed. */
export function parseQuantity(q: string | number): number {
  if (typeof q === 'number') return q;
  const m = QUANTITY.exec(q.trim());
  if (!m) return NaN;
  const base = Number(m[1]);
  if (m[2]) return Number(`${m[1]}${m[2]}`);
  return base * SUFFIX[m[3] ?? '']!;
}
