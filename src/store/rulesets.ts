import { LeadscoreError } from '../errors.js';
import type { StoreContext } from './db.js';

export interface StoredRuleSet {
  /** Hash of the canonical body: the identity scores are stamped with. */
  hash: string;
  name: string;
  /** Canonical JSON text of the validated rules. */
  body: string;
  createdAt: number;
  activatedAt: number | null;
}

interface RuleSetRow {
  hash: string;
  name: string;
  body: string;
  created_at: number;
  activated_at: number | null;
}

const COLUMNS = 'hash, name, body, created_at, activated_at';

function fromRow(row: RuleSetRow): StoredRuleSet {
  return {
    hash: row.hash,
    name: row.name,
    body: row.body,
    createdAt: row.created_at,
    activatedAt: row.activated_at,
  };
}

export class RuleSets {
  readonly #ctx: StoreContext;

  constructor(ctx: StoreContext) {
    this.#ctx = ctx;
  }

  /** Stores a rule set once; saving the same hash again changes nothing. */
  saveRuleSet(ruleSet: { hash: string; name: string; body: string }, at: number = Date.now()): void {
    this.#ctx.sql
      .get(
        'INSERT INTO rulesets (hash, name, body, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (hash) DO NOTHING',
      )
      .run(ruleSet.hash, ruleSet.name, ruleSet.body, at);
  }

  getRuleSet(hash: string): StoredRuleSet | undefined {
    const row = this.#ctx.sql
      .get<[string], RuleSetRow>(`SELECT ${COLUMNS} FROM rulesets WHERE hash = ?`)
      .get(hash);
    return row === undefined ? undefined : fromRow(row);
  }

  /** Makes a saved rule set the active one (the most recently activated is active). */
  activateRuleSet(hash: string, at: number): void {
    const { changes } = this.#ctx.sql
      .get('UPDATE rulesets SET activated_at = ? WHERE hash = ?')
      .run(at, hash);
    if (changes === 0) {
      throw new LeadscoreError('ERR_RULES_INVALID', `cannot activate rule set ${hash}: it was never saved`, {
        hint: 'Save the rule set (load and validate the rules file) before activating it.',
      });
    }
  }

  activeRuleSet(): StoredRuleSet | undefined {
    const row = this.#ctx.sql
      .get<[], RuleSetRow>(
        `SELECT ${COLUMNS} FROM rulesets WHERE activated_at IS NOT NULL ORDER BY activated_at DESC, rowid DESC LIMIT 1`,
      )
      .get();
    return row === undefined ? undefined : fromRow(row);
  }

  /** Every saved rule set, newest first. */
  listRuleSets(): StoredRuleSet[] {
    return this.#ctx.sql
      .get<[], RuleSetRow>(`SELECT ${COLUMNS} FROM rulesets ORDER BY created_at DESC, rowid DESC`)
      .all()
      .map(fromRow);
  }
}
