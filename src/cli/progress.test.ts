import { describe, expect, it } from 'vitest';
import { progressLine } from './progress.ts';

function run(isTTY: boolean, calls: [number, string][]) {
  let t = 0;
  const out: string[] = [];
  const p = progressLine({ isTTY, write: (s) => out.push(s), now: () => t, everyMs: 2000 });
  for (const [at, line] of calls) {
    t = at;
    p(line);
  }
  p.done();
  return out;
}

describe('progressLine', () => {
  it.each([
    {
      name: 'not a terminal: a new step prints at once, the same step at most every 2 s',
      isTTY: false,
      calls: [[0, 'customers 0/5000'], [500, 'customers 1000/5000'], [2100, 'customers 2000/5000'], [2200, 'activity 0/900'], [2300, 'activity 100/900']] as [number, string][],
      out: ['customers 0/5000 (0 s)\n', 'customers 2000/5000 (2 s)\n', 'activity 0/900 (2 s)\n'],
    },
    {
      name: 'a terminal: every call rewrites one line, ended by a newline',
      isTTY: true,
      calls: [[0, 'customers 0/5000'], [1000, 'customers 1000/5000']] as [number, string][],
      out: ['\rcustomers 0/5000 (0 s)\x1b[K', '\rcustomers 1000/5000 (1 s)\x1b[K', '\n'],
    },
    { name: 'nothing shown: nothing written', isTTY: true, calls: [] as [number, string][], out: [] },
  ])('$name', ({ isTTY, calls, out }) => {
    expect(run(isTTY, calls)).toEqual(out);
  });
});
