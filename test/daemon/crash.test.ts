import { describe, expect, it } from 'vitest';
import { crashRuns, problemsOf, STAGES } from './crash-harness.js';

/**
 * Three seeded crash runs, one per stage (the full 20: scripts/fault-runs.ts). Each SIGKILLs a real daemon child
 * process mid-run and restarts it; the sandbox lives in this process, so nothing here may block its event loop.
 */
describe('leadscore daemon: SIGKILL at any point loses nothing', () => {
  it('given a daemon killed during the pull, the scoring or the write-back, when it is restarted, then the end state equals an uninterrupted run and no record is written twice', async () => {
    const { reference, results } = await crashRuns(3, 101);
    expect(Object.keys(reference.snapshot.events).length).toBeGreaterThan(500);
    expect(Object.values(reference.snapshot.writes).every((count) => count === 1)).toBe(true);
    expect(results.map((result) => result.aimed)).toEqual([...STAGES]);
    for (const result of results) {
      expect(result.landed, `seed ${result.seed}`).not.toBe('after the run');
      expect(problemsOf(result), `seed ${result.seed}`).toEqual([]);
      // Writes in flight at the kill are read back before they are sent again (drainOutbox's crash check).
      expect(result.duplicateWrites, `seed ${result.seed}`).toBe(0);
    }
  }, 150_000);
});
