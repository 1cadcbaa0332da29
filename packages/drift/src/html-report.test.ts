import { describe, expect, it } from 'vitest';
import { monitorReport, wideTable } from '../test/report-fixtures.js';
import { compare } from './compare.js';
import { renderHtmlReport } from './html-report.js';

describe('renderHtmlReport', () => {
  it('100 columns: self-contained, drifted columns first, under 300 KB', () => {
    const report = monitorReport(100);
    const html = renderHtmlReport(report, { title: 'Churn model <v2>' });
    const bytes = Buffer.byteLength(html);
    expect(bytes).toBeLessThan(300 * 1024);
    expect(html).not.toMatch(/<script|<link|@import|@font-face|url\(|src=|https?:\/\//i);
    expect(html).toContain('<title>Churn model &lt;v2&gt;</title>');
    expect(html.match(/<svg /g)).toHaveLength(100);
    const sections = [...html.matchAll(/data-column="([^"]+)" data-drifted="(true|false)"/g)].map((m) => [m[1], m[2]]);
    const firstClean = sections.findIndex(([, d]) => d === 'false');
    expect(sections.slice(0, firstClean).map(([c]) => c).sort()).toEqual(['c4', 'f0', 'f1']);
    expect(sections.slice(firstClean).every(([, d]) => d === 'false')).toBe(true);
    expect(html).toContain('amber &lt;&amp;&gt;');
  });

  it('a compare() report draws distributions when given the data', () => {
    const a = wideTable(1500, 5, 1);
    const b = wideTable(1500, 5, 2, new Set([0]), 2);
    const html = renderHtmlReport(compare(a, b), { reference: a, current: b });
    expect(html.match(/<svg /g)).toHaveLength(5);
    expect(renderHtmlReport(compare(a, b)).match(/<svg /g)).toBeNull();
    expect(() => renderHtmlReport({} as never)).toThrowError(/drift report/);
  });
});
