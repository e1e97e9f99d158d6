import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { parse, stringify } from 'yaml';
import { storedHistory } from '../../backtest/history.js';
import type { LoadedConfig } from '../../config/load.js';
import { compileRuleSet, scoreRecord } from '../../scoring/engine.js';
import { ruleSetHash } from '../../scoring/hash.js';
import { type RuleSet, ruleSetSchema } from '../../scoring/rules-schema.js';
import type { Store } from '../../store/index.js';
import { resolveAsOf } from '../../sync/rescore.js';
import { type ConsoleContext, describeError, flashFrom, redirectWith, sendPage } from '../context.js';
import { csrfInput, formatTime, html, table } from '../html.js';
import { type FormBody, parseRulesForm, type Raw, renderRulesForm } from '../rules-form.js';
import { diffLines, rewriteYaml } from '../yaml-edit.js';

/** Where the rules live: their own file, or the `rules` key of the config file. */
export interface RulesSource {
  file: string;
  /** Path of the rules inside `file`'s YAML: [] for a rules file, ['rules'] when inline. */
  at: string[];
  /** The whole file's text. */
  fileText: string;
  /** The rules' YAML text as versions store it (the file, or the inline rules on their own). */
  text: string;
  raw: Raw;
  /** Hash of `fileText`, to refuse a save over a file changed meanwhile. */
  base: string;
}

export function readRulesSource(config: LoadedConfig): RulesSource {
  const file = config.files.rules;
  const at = file === config.files.config ? ['rules'] : [];
  const fileText = readFileSync(file, 'utf8');
  const parsed = parse(fileText) as Raw;
  const raw = (at.length === 0 ? parsed : (parsed.rules as Raw)) ?? {};
  const text = at.length === 0 ? fileText : stringify(raw);
  return {
    file,
    at,
    fileText,
    text,
    raw,
    base: createHash('sha256').update(fileText).digest('hex').slice(0, 32),
  };
}

/** Replaces a file in one step (write beside it, then rename), so a reader never sees half a file. */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = `${path}.console-${process.pid}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** Records the file as a version when it differs from the latest saved one (first visit, or a hand edit). */
export function recordFileVersion(store: Store, source: RulesSource, rules: RuleSet, now: number): void {
  const latest = store.console.listRuleVersions(1)[0];
  if (latest?.yaml === source.text) return;
  store.console.addRuleVersion(
    {
      author: 'rules file',
      note:
        latest === undefined ? 'the rules file when the console first saw it' : 'edited outside the console',
      rulesetHash: ruleSetHash(rules),
      yaml: source.text,
    },
    now,
  );
}

/**
 * A rule set whose first stage (usually MQL) every lead would reach floods sales with noise: refused at save.
 * Checked on up to `sample` stored records as of today; with fewer than 3 there is nothing to judge by.
 */
export function everyLeadReachesFirstStage(
  store: Store,
  rules: RuleSet,
  asOf: number,
  sample = 2000,
): { stage: string; records: number } | undefined {
  const first = rules.stages[0];
  if (first === undefined) return undefined;
  const compiled = compileRuleSet(rules);
  let records = 0;
  for (const row of storedHistory(store, { limit: sample })) {
    records++;
    const result = scoreRecord(compiled, row.record, row.events, { asOf, previousStage: null });
    if (result.stage === null) return undefined;
  }
  return records >= 3 ? { stage: first.name, records } : undefined;
}

function saveRules(ctx: ConsoleContext, source: RulesSource, raw: Raw): string {
  if (source.at.length === 0) {
    const text = rewriteYaml(source.fileText, [], raw);
    writeFileAtomic(source.file, text);
    return text;
  }
  writeFileAtomic(source.file, rewriteYaml(source.fileText, source.at, raw));
  return readRulesSource(ctx.config()).text;
}

export function registerRulesPages(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get('/rules', async (request, reply) => {
    const config = ctx.config();
    const source = readRulesSource(config);
    recordFileVersion(ctx.store, source, config.rules, ctx.now());
    return sendPage(
      request,
      reply,
      { title: 'Rules', path: '/rules', flash: flashFrom(request.query) },
      html`<p>Editing <code>${source.file}</code>${source.at.length ? ' (inline rules)' : ''}. Each save is a new version
(<a href="/rules/versions">versions, diffs and roll back</a>); the file stays the source of truth. Saved rules score
from the next run, or at once with <a href="/activate">Activate</a> after a <a href="/backtest">backtest</a>.</p>
${renderRulesForm({ raw: source.raw, base: source.base, csrf: reply.generateCsrf() })}`,
    );
  });

  app.post('/rules', async (request, reply) => {
    const body = (request.body ?? {}) as FormBody;
    const config = ctx.config();
    const source = readRulesSource(config);
    const fail = (state: { errors?: Record<string, string>; general?: string[] }) =>
      sendPage(
        request,
        reply,
        { title: 'Rules', path: '/rules' },
        renderRulesForm({
          raw: source.raw,
          typed: body,
          ...state,
          base: source.base,
          csrf: reply.generateCsrf(),
        }),
        422,
      );
    if (body.base !== source.base) {
      return fail({
        general: [
          'The rules file changed on disk since this form was opened, so nothing was saved. Reload the page to edit the current rules.',
        ],
      });
    }
    const parsed = parseRulesForm(source.raw, body);
    if (!parsed.raw || !parsed.rules) return fail({ errors: parsed.errors, general: parsed.general });
    const flood = everyLeadReachesFirstStage(
      ctx.store,
      parsed.rules,
      resolveAsOf(ctx.now(), config.scoring.asOfResolution),
    );
    if (flood) {
      return fail({
        errors: {
          'stages.0.minScore': `with these rules every one of the ${flood.records} stored leads would be ${flood.stage}: raise this threshold or lower the points`,
        },
      });
    }
    recordFileVersion(ctx.store, source, config.rules, ctx.now());
    const text = saveRules(ctx, source, parsed.raw);
    const id = ctx.store.console.addRuleVersion(
      {
        author: request.session?.who ?? 'admin',
        note: parsed.note || 'edited in the console',
        rulesetHash: ruleSetHash(parsed.rules),
        yaml: text,
      },
      ctx.now(),
    );
    request.log.info({ version: id, who: request.session?.who }, 'rules saved from the console');
    return redirectWith(reply, '/rules/versions', {
      ok: `Saved version ${id} to ${source.file}. Backtest it, then activate it to rescore now.`,
    });
  });

  app.get('/rules/versions', async (request, reply) => {
    const versions = ctx.store.console.listRuleVersions(50);
    const latest = versions[0];
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: 'Rule set versions', path: '/rules', flash: flashFrom(request.query) },
      versions.length === 0
        ? html`<p>No versions yet: open <a href="/rules">Rules</a> to record the current file.</p>`
        : table(
            ['version', 'saved', 'by', 'note', 'rule set', ''],
            versions.map((version) => [
              html`<a href="/rules/versions/${version.id}">v${version.id}</a>`,
              formatTime(version.createdAt),
              version.author,
              version.note,
              html`<code>${version.rulesetHash}</code>`,
              version.id === latest?.id
                ? 'current'
                : html`<form method="post" action="/rules/versions/${version.id}/rollback" class="inline">${csrfInput(csrf)}<button type="submit" class="secondary">Roll back to v${version.id}</button></form>`,
            ]),
            'Newest first',
          ),
    );
  });

  app.get('/rules/versions/:id', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const version = Number.isInteger(id) ? ctx.store.console.getRuleVersion(id) : undefined;
    if (!version)
      return redirectWith(reply, '/rules/versions', { error: `There is no version ${String(id)}.` });
    const previous = ctx.store.console.previousRuleVersion(id);
    const diff = diffLines(previous?.yaml ?? '', version.yaml);
    const changed = diff.filter((line) => line.op !== ' ').length;
    return sendPage(
      request,
      reply,
      { title: `Version ${id}`, path: '/rules' },
      html`<p>Saved ${formatTime(version.createdAt)} by ${version.author}: ${version.note}. Rule set <code>${version.rulesetHash}</code>.</p>
<h2>Changes from ${previous ? `version ${previous.id}` : 'nothing'} (${changed} lines)</h2>
<div class="diff" aria-label="Diff">${diff
        .filter((line, index) => line.op !== ' ' || nearChange(diff, index))
        .map((line) =>
          line.op === '+'
            ? html`<ins><span class="sr-only">added: </span>+ ${line.line}</ins>`
            : line.op === '-'
              ? html`<del><span class="sr-only">removed: </span>- ${line.line}</del>`
              : html`<span>  ${line.line}\n</span>`,
        )}</div>
<p><a href="/rules/versions">All versions</a></p>`,
    );
  });

  app.post('/rules/versions/:id/rollback', async (request, reply) => {
    const id = Number((request.params as { id: string }).id);
    const version = Number.isInteger(id) ? ctx.store.console.getRuleVersion(id) : undefined;
    if (!version)
      return redirectWith(reply, '/rules/versions', { error: `There is no version ${String(id)}.` });
    const config = ctx.config();
    const source = readRulesSource(config);
    const raw = parse(version.yaml) as Raw;
    const checked = ruleSetSchema.safeParse(raw);
    if (!checked.success) {
      return redirectWith(reply, '/rules/versions', {
        error: `Version ${id} is not valid with this leadscore: ${checked.error.issues[0]?.message ?? 'invalid'}. Nothing was changed.`,
      });
    }
    recordFileVersion(ctx.store, source, config.rules, ctx.now());
    let text: string;
    try {
      if (source.at.length === 0) {
        writeFileAtomic(source.file, version.yaml);
        text = version.yaml;
      } else text = saveRules(ctx, source, raw);
    } catch (error) {
      return redirectWith(reply, '/rules/versions', {
        error: `Could not write the rules: ${describeError(error)}`,
      });
    }
    const newId = ctx.store.console.addRuleVersion(
      {
        author: request.session?.who ?? 'admin',
        note: `rolled back to version ${id}`,
        rulesetHash: ruleSetHash(checked.data),
        yaml: text,
      },
      ctx.now(),
    );
    return redirectWith(reply, '/rules/versions', {
      ok: `Rolled back to version ${id} (saved as version ${newId}). Activate to rescore with it now.`,
    });
  });
}

/** Context lines: within 2 of a change. */
function nearChange(diff: ReadonlyArray<{ op: string }>, index: number): boolean {
  for (let k = Math.max(0, index - 2); k <= Math.min(diff.length - 1, index + 2); k++) {
    if (diff[k]!.op !== ' ') return true;
  }
  return false;
}
