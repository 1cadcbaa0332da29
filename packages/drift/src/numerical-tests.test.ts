import { describe, expect, it } from 'vitest';
import { expectClose, reference } from '../test/fixtures.js';
import { andersonDarlingTest } from './anderson-darling-test.js';
import { energyDistance, wassersteinDistance } from './cdf-distances.js';
import { cramerVonMisesTest } from './cramer-von-mises-test.js';
import { ksTest } from './ks-test.js';
import { psi } from './psi.js';
import { kolmogorovSf } from './special/kolmogorov.js';

// Reference values: scipy 1.10.1 / numpy 1.24.2 via scripts/generate-fixtures.py.
describe('numerical tests match scipy', () => {
  for (const c of reference.numerical) {
    describe(c.name, () => {
      it('ksTest = scipy.stats.ks_2samp(method="auto")', () => {
        const r = ksTest(c.reference, c.current);
        expectClose(r.statistic, c.ks[0], 'statistic');
        expectClose(r.pValue, c.ks[1], 'pValue');
        expect(r.mode).toBe(Math.max(c.reference.length, c.current.length) <= 10000 ? 'exact' : 'asymptotic');
      });
      it('cramerVonMisesTest = scipy.stats.cramervonmises_2samp', () => {
        const r = cramerVonMisesTest(c.reference, c.current);
        expectClose(r.statistic, c.cvm![0], 'statistic');
        expectClose(r.pValue, c.cvm![1], 'pValue');
      });
      it('andersonDarlingTest = scipy.stats.anderson_ksamp', () => {
        const r = andersonDarlingTest(c.reference, c.current);
        if (c.ad === null) {
          expect(r.status).toBe('insufficient_data');
          return;
        }
        expectClose(r.statistic, c.ad[0], 'statistic');
        expectClose(r.pValue, c.ad[1], 'pValue');
      });
      it('wasserstein (plain and Evidently-normed) and energy distance', () => {
        expectClose(wassersteinDistance(c.reference, c.current).statistic, c.wasserstein, 'wasserstein');
        expectClose(wassersteinDistance(c.reference, c.current, { normed: true }).statistic, c.wasserstein_normed, 'normed');
        expectClose(energyDistance(c.reference, c.current).statistic, c.energy, 'energy');
      });
      it('psi with quantile and equal-width reference bins', () => {
        expectClose(psi(c.reference, c.current).statistic, c.psi_quantile_10, 'quantile 10');
        expectClose(psi(c.reference, c.current, { binning: 'equal-width' }).statistic, c.psi_equal_width_10, 'equal-width 10');
        expectClose(psi(c.reference, c.current, { bins: 20 }).statistic, c.psi_quantile_20, 'quantile 20');
      });
    });
  }
});

describe('kolmogorovSf = scipy.stats.kstwo.sf', () => {
  it('over a grid of n and x covering every algorithm branch', () => {
    for (const [n, x, p] of reference.kstwo) expectClose(kolmogorovSf(n, x), p, `n=${n} x=${x}`);
  });
});
