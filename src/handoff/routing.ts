import type { LeadRecord } from '../crm/vocabulary.js';
import type { CrmOwner } from './ports.js';
import type { RoutingRule, RoutingSettings } from './settings.js';

/** Who gets an unowned lead, and why (the reason goes to the hand-off ledger and the log). */
export type RoutingDecision =
  | { ownerId: string; reason: string; rule: string; turn?: { team: string; next: number } }
  | { ownerId: null; reason: string };

const same = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

/** Why a rule matches the record, or undefined when it does not. Pure. */
export function ruleMatches(
  rule: RoutingRule,
  record: LeadRecord,
  routing: RoutingSettings,
): string | undefined {
  const why: string[] = [];
  if (rule.countries !== undefined) {
    if (
      record.country === undefined ||
      !rule.countries.some((country) => same(country, record.country ?? ''))
    )
      return undefined;
    why.push(`country ${record.country}`);
  }
  if (rule.region !== undefined) {
    const countries = routing.regions[rule.region] ?? [];
    if (record.country === undefined || !countries.some((country) => same(country, record.country ?? '')))
      return undefined;
    why.push(`region ${rule.region} (${record.country})`);
  }
  if (rule.minCompanySize !== undefined || rule.maxCompanySize !== undefined) {
    const size = record.companySize;
    if (size === undefined) return undefined;
    if (rule.minCompanySize !== undefined && size < rule.minCompanySize) return undefined;
    if (rule.maxCompanySize !== undefined && size > rule.maxCompanySize) return undefined;
    why.push(`company size ${size}`);
  }
  return why.length === 0 ? 'matches every lead' : why.join(', ');
}

/**
 * Routes a lead by the first matching rule: a named owner, or the next active owner of a team in turn
 * (`turns` holds each team's next position). Inactive owners are passed over, then the fallback owner.
 */
export function routeLead(
  record: LeadRecord,
  routing: RoutingSettings,
  owners: ReadonlyMap<string, CrmOwner>,
  turns: Readonly<Record<string, number>>,
): RoutingDecision {
  const active = (id: string) => owners.get(id)?.active === true;
  const passedOver: string[] = [];
  for (const rule of routing.rules) {
    const why = ruleMatches(rule, record, routing);
    if (why === undefined) continue;
    if (rule.owner !== undefined) {
      if (active(rule.owner))
        return {
          ownerId: rule.owner,
          rule: rule.name,
          reason: `rule "${rule.name}" (${why}): owner ${rule.owner}`,
        };
      passedOver.push(`rule "${rule.name}": owner ${rule.owner} is ${describeOwner(owners, rule.owner)}`);
      continue;
    }
    const team = rule.team ?? '';
    const members = routing.teams[team] ?? [];
    const start = (turns[team] ?? 0) % Math.max(1, members.length);
    for (let step = 0; step < members.length; step++) {
      const index = (start + step) % members.length;
      const id = members[index] as string;
      if (!active(id)) continue;
      return {
        ownerId: id,
        rule: rule.name,
        reason: `rule "${rule.name}" (${why}): team ${team} round-robin, turn ${index + 1} of ${members.length}`,
        turn: { team, next: index + 1 },
      };
    }
    passedOver.push(`rule "${rule.name}": no active owner in team ${team}`);
  }
  const skipped = passedOver.length === 0 ? '' : ` (${passedOver.join('; ')})`;
  if (routing.fallbackOwner !== undefined) {
    if (active(routing.fallbackOwner))
      return {
        ownerId: routing.fallbackOwner,
        rule: 'fallback',
        reason: `fallback owner ${routing.fallbackOwner}: ${passedOver.length === 0 ? 'no rule matched' : 'no matching rule had an active owner'}${skipped}`,
      };
    return {
      ownerId: null,
      reason: `no owner: the fallback owner ${routing.fallbackOwner} is ${describeOwner(owners, routing.fallbackOwner)}${skipped}`,
    };
  }
  return { ownerId: null, reason: `no owner: no rule matched and no fallback owner is set${skipped}` };
}

export function describeOwner(owners: ReadonlyMap<string, CrmOwner>, id: string): string {
  const owner = owners.get(id);
  if (owner === undefined) return 'unknown to the CRM (deleted?)';
  return owner.active ? 'active' : 'archived or deactivated';
}
