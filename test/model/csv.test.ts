import { describe, expect, it } from 'vitest';
import { detectDelimiter, readCsv } from '../../src/model/csv.js';

describe('reading CSV', () => {
  it('given CRLF lines that end in a comma, when read, then the trailing empty column is dropped', () => {
    const table = readCsv('id,source,\r\n1,"Google, paid",\r\n2,Direct,\r\n');
    expect(table.header).toEqual(['id', 'source']);
    expect(table.rows).toEqual([
      ['1', 'Google, paid'],
      ['2', 'Direct'],
    ]);
  });

  it('given semicolons, when read, then the delimiter is detected', () => {
    expect(detectDelimiter('a;b;"c,d"\n1;2;3')).toBe(';');
    expect(readCsv('a;b\n1,5;2\n').rows).toEqual([['1,5', '2']]);
  });

  it('given a row with too few fields, when read, then the error names the row and line', () => {
    expect(() => readCsv('a,b\n1,2\n3\n')).toThrow(/row 2 \(line 3\)/);
  });
});
