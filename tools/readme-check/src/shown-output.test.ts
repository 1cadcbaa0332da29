import { describe, expect, it } from 'vitest';
import { missingOutputs, shownOutputs } from './shown-output.js';

describe('shownOutputs', () => {
  it('reads trailing comments of console.log lines and the comment lines right below them', () => {
    const code = [
      "validate(t); // passes            <- not a console.log: a remark",
      "console.log(a, 'x // y'); // 0.6 0.24 (scipy: the same)",
      'for (const d of ds) console.log(d);',
      '// bind a [ 1 ]   (research borrows quota)',
      '// bind b [ 2 ]',
      'const z = 1;',
      '// a remark after ordinary code',
      'console.log(z);',
      '',
      '// a remark after a blank line',
      'console.log(r); // -> { ok: true }',
      'console.log(p); // (14.5, 3.5)',
    ].join('\n');
    expect(shownOutputs(code)).toEqual([
      { text: '0.6 0.24', line: 2 },
      { text: 'bind a [ 1 ]', line: 4 },
      { text: 'bind b [ 2 ]', line: 5 },
      { text: '{ ok: true }', line: 11 },
      { text: '(14.5, 3.5)', line: 12 },
    ]);
  });
});

describe('missingOutputs', () => {
  const stdout = "Float64Array(2) [ 31, NaN ]\n{\n  status: 'rejected',\n  reason: 'The gang needs 3 workers, at most 2; shrink it'\n}\ntrue\n";

  it('matches across console.log line wrapping, with ... as a wildcard', () => {
    const claims = [
      { text: 'Float64Array(2) [ 31, NaN ]', line: 1 },
      { text: "{ status: 'rejected', reason: 'The gang needs ... at most 2; ...' }", line: 2 },
      { text: 'true', line: 3 },
    ];
    expect(missingOutputs(stdout, claims)).toEqual([]);
  });

  it('reports values that were not printed, and values printed in another order', () => {
    const wrong = { text: 'Float64Array [31, NaN]', line: 1 };
    expect(missingOutputs(stdout, [wrong])).toEqual([wrong]);
    const late = { text: 'Float64Array(2)', line: 2 };
    expect(missingOutputs(stdout, [{ text: 'true', line: 1 }, late])).toEqual([late]);
  });

  it('ignores terminal colours (FORCE_COLOR, a TTY)', () => {
    expect(missingOutputs('\u001b[33m0.6\u001b[39m \u001b[33mtrue\u001b[39m', [{ text: '0.6 true', line: 1 }])).toEqual([]);
  });

  it('treats regex characters in claims literally', () => {
    expect(missingOutputs('cost: $1.50 (x)', [{ text: '$1.50 (x)', line: 1 }])).toEqual([]);
    expect(missingOutputs('cost: $1x50', [{ text: '$1.50', line: 1 }])).toHaveLength(1);
  });
});
