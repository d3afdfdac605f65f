import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { csvCell } from './csv.ts';

describe('csvCell', () => {
  it('neutralises cells a spreadsheet would evaluate as a formula', () => {
    for (const hostile of ['=HYPERLINK("http://x","y")', '+cmd|\' /C calc\'!A0', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '-', '+'])
      expect(csvCell(hostile), hostile).toBe(`'${hostile}`);
  });

  it('keeps amounts, ordinary text and empty cells as they are', () => {
    for (const plain of ['-12.50', '+3', '0.00', '12', 'Alpha IB', 'a=b', 'ptn_01J', '', '2026-03-01'])
      expect(csvCell(plain), plain).toBe(plain);
    expect(csvCell(null)).toBeNull();
    expect(csvCell(undefined)).toBeUndefined();
  });

  it('round-trips through a CSV writer and parser with the quote prefix only', () => {
    const text = stringify([['=1+1', '-5.25', 'x,"y"'].map((c) => csvCell(c))]);
    expect(parse(text)).toEqual([["'=1+1", '-5.25', 'x,"y"']]);
  });
});
