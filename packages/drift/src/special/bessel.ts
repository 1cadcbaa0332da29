// Exponentially scaled modified Bessel function of the second kind, e^x K_ν(x), from the integral
// K_ν(x) = ∫_0^∞ exp(-x cosh t) cosh(ν t) dt. The integrand is analytic in a strip around the real
// axis and decays double-exponentially, so the trapezoid rule converges geometrically in 1/h: with
// h = 1/32 the error is far below double precision for every x > 0.

/** e^x · K_ν(x) for x > 0. */
export function besselKScaled(nu: number, x: number): number {
  if (!(x > 0)) return Infinity;
  const h = 1 / 32;
  let sum = 0.5; // t = 0: exp(0) * cosh(0), half weight
  for (let i = 1; i < 100000; i++) {
    const t = i * h;
    const e = Math.exp(-x * (Math.cosh(t) - 1));
    const term = e * Math.cosh(nu * t);
    sum += term;
    if (term < 1e-18 * sum) break;
  }
  return sum * h;
}
