import { describe, expect, it } from 'vitest';
import { toEpochMs } from '../../src/importer/index.js';

const MS = Date.UTC(2024, 0, 15, 9, 30, 0);

describe('toEpochMs', () => {
  it.each([
    ['2024-01-15T09:30:00Z', MS],
    ['2024-01-15T09:30:00.250Z', MS + 250],
    ['2024-01-15T09:30:00.250123Z', MS + 250],
    ['2024-01-15T09:30:00', MS],
    ['2024-01-15 09:30:00', MS],
    ['2024-01-15T09:30Z', MS],
    ['2024-01-15T11:30:00+02:00', MS],
    ['2024-01-15T04:00:00-0530', MS],
    ['2024-01-15', Date.UTC(2024, 0, 15)],
    [' 2024-01-15T09:30:00Z ', MS],
    [MS, MS],
    [String(MS), MS],
    [MS / 1000, MS],
    [String(MS / 1000), MS],
    [1705311000.5, MS + 500],
  ])('given %j when converted then it is the epoch milliseconds %d', (input, expected) => {
    expect(toEpochMs(input)).toBe(expected);
  });

  it.each([
    ['yesterday'],
    ['2024-02-30'],
    ['2024-13-01T00:00:00Z'],
    ['2024-01-15T25:00:00Z'],
    ['15/01/2024'],
    ['Mon, 15 Jan 2024 09:30:00 GMT'],
    [''],
    [0],
    [-5],
    [Number.NaN],
    [1e20],
  ])('given %j when converted then it is refused', (input) => {
    expect(toEpochMs(input)).toBeUndefined();
  });
});
