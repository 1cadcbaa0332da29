import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { chiSquareTest } from './categorical-tests.js';

// Issue #14 defect 8: the README claimed defaults "follow Evidently 0.7" while PSI bins and the
// chi-square test differ. The README must say exactly what is computed; the example it gives is
// checked here against scipy 1.10.1:
// /usr/bin/python3 -c "from scipy.stats import chisquare, chi2_contingency; import numpy as np;
//   r=np.array([50,30,20]); c=np.array([40,35,25]); print(chi2_contingency([r,c],correction=False)[:2]);
//   print(chisquare(c, r/r.sum()*c.sum()))"
// -> contingency 2.051282051282051, p 0.3585665413731905; goodness of fit 4.083333333333334, p 0.12981217685543797
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README states what PSI and chi-square compute vs Evidently', () => {
  it('no blanket "follow Evidently" claim; the differences are documented', () => {
    expect(readme).not.toMatch(/Default methods follow Evidently/);
    expect(readme).toMatch(/sturges/i);
    expect(readme).toMatch(/goodness of fit/);
    expect(readme).toMatch(/chi2_contingency/);
    expect(readme).toMatch(/reference\*\* quantiles/);
  });

  it('our chi-square is the contingency test (the README example numbers)', () => {
    const r = chiSquareTest([50, 30, 20], [40, 35, 25]);
    expect(Math.abs(r.statistic - 2.051282051282051)).toBeLessThan(1e-12);
    expect(Math.abs(r.pValue - 0.3585665413731905)).toBeLessThan(1e-12);
    expect(readme).toContain('ours gives χ² = 2.05, p = 0.359; Evidently\'s gives χ² = 4.08, p = 0.130');
  });
});
