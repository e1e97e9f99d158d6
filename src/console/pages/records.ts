import type { FastifyInstance } from 'fastify';
import type { Contribution } from '../../scoring/types.js';
import type { LedgerEntry, StoredRecord } from '../../store/index.js';
import { type ConsoleContext, sendPage } from '../context.js';
import { esc, field, formatTime, Html, html, table } from '../html.js';

function displayName(record: StoredRecord): string {
  return [record.firstName, record.lastName].filter(Boolean).join(' ') || record.email || record.externalId;
}

function signed(points: number): string {
  return points > 0 ? `+${points}` : String(points);
}

/** The score over time as a step line, from the ledger (each row is a change). */
export function historyChart(entries: readonly LedgerEntry[], now: number): Html {
  if (entries.length === 0) return html`<p>No score changes recorded yet.</p>`;
  const width = 640;
  const height = 180;
  const pad = { left: 36, right: 10, top: 10, bottom: 28 };
  const start = entries[0]!.at;
  const end = Math.max(now, entries[entries.length - 1]!.at + 1);
  const x = (at: number) => pad.left + ((at - start) / (end - start)) * (width - pad.left - pad.right);
  const y = (score: number) => pad.top + (1 - score / 100) * (height - pad.top - pad.bottom);
  let path = `M${x(start).toFixed(1)},${y(entries[0]!.newScore).toFixed(1)}`;
  for (const entry of entries.slice(1)) {
    path += ` H${x(entry.at).toFixed(1)} V${y(entry.newScore).toFixed(1)}`;
  }
  path += ` H${x(end).toFixed(1)}`;
  const summary = entries
    .map((entry) => `${formatTime(entry.at).slice(0, 10)}: ${entry.newScore} (${entry.cause})`)
    .join('; ');
  const svg = `<svg role="img" aria-labelledby="history-title" aria-describedby="history-desc" viewBox="0 0 ${width} ${height}" width="100%">
<desc id="history-desc">${esc(summary)}</desc>
<line x1="${pad.left}" y1="${y(0)}" x2="${width - pad.right}" y2="${y(0)}" stroke="#b9c1cd"/>
<text x="${pad.left - 4}" y="${y(100) + 8}" text-anchor="end">100</text><text x="${pad.left - 4}" y="${y(0)}" text-anchor="end">0</text>
<text x="${pad.left}" y="${height - 8}">${esc(formatTime(start).slice(0, 10))}</text>
<text x="${width - pad.right}" y="${height - 8}" text-anchor="end">${esc(formatTime(end).slice(0, 10))}</text>
<path d="${path}" fill="none" stroke="#1f5fbf" stroke-width="2"/>
${entries.map((entry) => `<circle cx="${x(entry.at).toFixed(1)}" cy="${y(entry.newScore).toFixed(1)}" r="3" fill="#1f5fbf"><title>${esc(`${formatTime(entry.at)}: ${entry.newScore} (${entry.cause})`)}</title></circle>`).join('')}
</svg>`;
  return html`<figure><figcaption id="history-title">Score history</figcaption>${new Html(svg)}</figure>`;
}

export function registerRecordPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/records', async (request, reply) => {
    const q = String((request.query as { q?: string }).q ?? '').trim();
    const ids = q === '' ? [] : ctx.store.console.searchRecordIds(q, 25);
    const rows = ids.flatMap((id) => {
      const record = ctx.store.getRecord(id);
      if (!record) return [];
      const score = ctx.store.getScore(id);
      return [
        [
          html`<a href="/records/${id}">${displayName(record)}</a>`,
          record.email ?? '',
          record.company ?? '',
          score?.score ?? '-',
          score?.band ?? '-',
          score?.stage ?? '-',
        ],
      ];
    });
    const top = q === '' ? ctx.store.topScores({ limit: 10 }) : [];
    return sendPage(
      request,
      reply,
      { title: 'Records', path: '/records' },
      html`<form method="get" action="/records" role="search" class="card"><div class="fields">
${field({ name: 'q', label: 'Search by email, name, company or CRM id', value: q })}</div>
<p><button type="submit">Search</button></p></form>
${q === '' ? '' : rows.length === 0 ? html`<p>No record matches "${q}".</p>` : table(['name', 'email', 'company', 'score', 'band', 'stage'], rows, `${rows.length} found`)}
${
  top.length > 0
    ? table(
        ['name', 'company', 'score', 'band', 'stage'],
        top.map(({ record, score }) => [
          html`<a href="/records/${record.id}">${[record.firstName, record.lastName].filter(Boolean).join(' ') || record.email || record.externalId}</a>`,
          record.company ?? '',
          score.score,
          score.band,
          score.stage ?? '-',
        ]),
        'Highest scores',
      )
    : ''
}`,
    );
  });

  app.get('/records/:id', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const record = Number.isInteger(id) ? ctx.store.getRecord(id) : undefined;
    if (!record) {
      return sendPage(
        request,
        reply,
        { title: 'Record not found', path: '/records' },
        html`<p role="alert">There is no record ${String(id)}. <a href="/records">Search again</a>.</p>`,
        404,
      );
    }
    const score = ctx.store.getScore(id);
    const likelihood = ctx.store.console.likelihood(id);
    const events = new Map(ctx.store.eventsForRecord(id).map((event) => [event.id, event]));
    const contributions = score ? (JSON.parse(score.contributionsJson) as Contribution[]) : [];
    const why = (['fit', 'engagement'] as const).map((subScore) => {
      const rows = contributions.filter((contribution) => contribution.subScore === subScore);
      return table(
        ['rule', 'points after decay', 'base', 'events', 'decay', 'source events'],
        rows.map((contribution) => [
          contribution.label,
          signed(contribution.points),
          signed(contribution.basePoints),
          contribution.count,
          contribution.decayFactor === 1 ? '-' : contribution.decayFactor.toFixed(2),
          contribution.eventIds.slice(0, 5).map((eventId) => {
            const event = events.get(eventId);
            return event
              ? html`<div>${formatTime(event.occurredAt).slice(0, 10)} ${event.type} ${Object.entries(
                  event.attributes,
                )
                  .map(([key, value]) => `${key}=${String(value)}`)
                  .join(' ')}</div>`
              : html`<div>${eventId}</div>`;
          }),
        ]),
        `${subScore === 'fit' ? 'Fit' : 'Engagement'}: ${rows.length} rule(s)`,
      );
    });
    return sendPage(
      request,
      reply,
      { title: displayName(record), path: '/records' },
      html`<p>${record.email ?? 'no email'} · ${record.company ?? ''} · ${record.title ?? ''} · ${record.source}:${record.externalId}</p>
${
  score
    ? html`<p class="card" id="record-score"><strong>Score ${score.score}</strong> = fit ${score.fit} + engagement ${score.engagement} ·
band <strong>${score.band}</strong> · stage ${score.stage ?? '-'} · likelihood ${likelihood === undefined ? '-' : `${likelihood}%`}
<br><small>As of ${formatTime(score.asOf)}, rule set ${score.rulesetHash}. In the CRM: ${score.reasonsText || '(no reasons)'}</small></p>
<h2>Why</h2>${why}`
    : html`<p>Not scored yet.</p>`
}
<h2>History</h2>${historyChart(ctx.store.history(id), ctx.now())}`,
    );
  });
}
