import type { LeadRecord } from '../crm/vocabulary.js';

/** What the rep and the webhook receivers are told about a crossing. Pure. */
export interface CrossingFacts {
  key: string;
  record: LeadRecord;
  stage: string;
  fromStage: string | null;
  score: number;
  band: string;
  reasons: string[];
  crossedAt: number;
}

/** The rules' reasons text is "reason; reason; ..." (src/scoring/reasons.ts). */
export function topReasons(reasonsText: string, count: number): string[] {
  return reasonsText
    .split('; ')
    .map((reason) => reason.trim())
    .filter((reason) => reason !== '')
    .slice(0, count);
}

export function displayName(record: LeadRecord): string {
  const name = [record.firstName, record.lastName]
    .filter((part) => part !== undefined && part !== '')
    .join(' ');
  return name !== '' ? name : (record.email ?? record.externalId);
}

export function taskSubject(facts: CrossingFacts): string {
  const company = facts.record.company ? ` (${facts.record.company})` : '';
  return `${facts.stage}: follow up with ${displayName(facts.record)}${company}, score ${facts.score} ${facts.band}`.slice(
    0,
    255,
  );
}

/** The marker line lets a retry find the task an interrupted attempt made. */
export function taskMarker(key: string): string {
  return `[leadscore ${key}]`;
}

export function taskBody(facts: CrossingFacts): string {
  const lines = [
    `${displayName(facts.record)} reached ${facts.stage}${facts.fromStage ? ` (from ${facts.fromStage})` : ''} on ${new Date(facts.crossedAt).toISOString().slice(0, 16).replace('T', ' ')} UTC.`,
    `Score ${facts.score}, band ${facts.band}.`,
  ];
  if (facts.reasons.length > 0) lines.push('Top reasons:', ...facts.reasons.map((reason) => `- ${reason}`));
  if (facts.record.email) lines.push(`Email: ${facts.record.email}`);
  lines.push('', taskMarker(facts.key));
  return lines.join('\n');
}

/** The JSON webhook body: one event per crossing; `id` is the delivery's idempotency key. */
export function webhookEvent(facts: CrossingFacts, ownerId: string | null): Record<string, unknown> {
  return {
    type: 'lead.stage_crossed',
    id: facts.key,
    occurredAt: new Date(facts.crossedAt).toISOString(),
    stage: facts.stage,
    previousStage: facts.fromStage,
    score: facts.score,
    band: facts.band,
    reasons: facts.reasons,
    record: {
      source: facts.record.source,
      id: facts.record.externalId,
      name: displayName(facts.record),
      email: facts.record.email ?? null,
      company: facts.record.company ?? null,
      ownerId,
    },
  };
}

/** Slack incoming webhooks take `{ text }` with mrkdwn: https://api.slack.com/messaging/webhooks */
export function slackText(facts: CrossingFacts): string {
  const company = facts.record.company ? ` at ${facts.record.company}` : '';
  const reasons =
    facts.reasons.length > 0 ? `\n${facts.reasons.map((reason) => `• ${reason}`).join('\n')}` : '';
  return `*${escapeSlack(displayName(facts.record))}*${escapeSlack(company)} reached *${facts.stage}*: score ${facts.score}, band ${facts.band}${escapeSlack(reasons)}`;
}

/** Slack wants &, < and > escaped in message text. */
function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
