/**
 * Server-rendered HTML. Every interpolated value goes through `esc` (or is already-built Html): pages are
 * built from tagged templates, so forgetting to escape is a type error rather than an XSS.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

type Part = Html | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map(render).join('');
  return esc(part);
}

/** The tagged template: strings are escaped, Html is kept, arrays are joined, null/undefined/false vanish. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0] ?? '';
  parts.forEach((part, index) => {
    out += render(part) + (strings[index + 1] ?? '');
  });
  return new Html(out);
}

export const NAV = [
  ['/', 'Overview'],
  ['/connect', 'Connect'],
  ['/rules', 'Rules'],
  ['/backtest', 'Backtest'],
  ['/activate', 'Activate'],
  ['/records', 'Records'],
  ['/runs', 'Runs & health'],
] as const;

export interface PageOptions {
  title: string;
  /** The nav entry to mark current. */
  path: string;
  csrf?: string;
  who?: string;
  flash?: { kind: 'ok' | 'error'; text: string } | undefined;
}

export function page(options: PageOptions, body: Html): string {
  const nav =
    options.who === undefined
      ? ''
      : html`<nav aria-label="Main"><ul>${NAV.map(
          ([href, label]) =>
            html`<li><a href="${href}"${options.path === href ? new Html(' aria-current="page"') : ''}>${label}</a></li>`,
        )}</ul>
        <form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${options.csrf ?? ''}">
        <span>${options.who}</span> <button type="submit">Log out</button></form></nav>`;
  const flash = options.flash
    ? html`<p class="flash ${options.flash.kind}" role="${options.flash.kind === 'error' ? 'alert' : 'status'}">${options.flash.text}</p>`
    : '';
  return `<!doctype html>
${html`<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${options.title} · leadscore</title><link rel="stylesheet" href="/static/console.css"></head>
<body><header><a class="brand" href="/">leadscore</a>${nav}</header>
<main id="main"><h1>${options.title}</h1>${flash}${body}</main></body></html>`}`;
}

/** A labelled input with its error message tied to it (aria-describedby), for forms that re-render on error. */
export function field(options: {
  name: string;
  /** Default f-<name>; set it when two forms on a page share a field name. */
  id?: string;
  label: string;
  value: unknown;
  type?: 'text' | 'number' | 'password' | 'url';
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  step?: string;
}): Html {
  const id = options.id ?? `f-${options.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  const describedBy = [options.error ? `${id}-error` : '', options.hint ? `${id}-hint` : '']
    .filter(Boolean)
    .join(' ');
  return html`<div class="field${options.error ? ' invalid' : ''}"><label for="${id}">${options.label}</label>
<input id="${id}" name="${options.name}" type="${options.type ?? 'text'}" value="${String(options.value ?? '')}"${
    options.type === 'number' ? new Html(` step="${esc(options.step ?? 'any')}"`) : ''
  }${options.required ? new Html(' required') : ''}${describedBy ? new Html(` aria-describedby="${describedBy}"`) : ''}${
    options.error ? new Html(' aria-invalid="true"') : ''
  }>${options.hint ? html`<small id="${id}-hint">${options.hint}</small>` : ''}${
    options.error ? html`<span class="error" id="${id}-error">${options.error}</span>` : ''
  }</div>`;
}

export function textarea(options: {
  name: string;
  id?: string;
  label: string;
  value: string;
  error?: string | undefined;
  rows?: number;
}): Html {
  const id = options.id ?? `f-${options.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return html`<div class="field wide${options.error ? ' invalid' : ''}"><label for="${id}">${options.label}</label>
<textarea id="${id}" name="${options.name}" rows="${options.rows ?? 3}" spellcheck="false"${
    options.error ? new Html(` aria-invalid="true" aria-describedby="${id}-error"`) : ''
  }>${options.value}</textarea>${options.error ? html`<span class="error" id="${id}-error">${options.error}</span>` : ''}</div>`;
}

export function select(options: {
  name: string;
  id?: string;
  label: string;
  value: string;
  choices: ReadonlyArray<readonly [string, string]>;
  error?: string | undefined;
}): Html {
  const id = options.id ?? `f-${options.name.replace(/[^A-Za-z0-9_-]/g, '-')}`;
  return html`<div class="field${options.error ? ' invalid' : ''}"><label for="${id}">${options.label}</label>
<select id="${id}" name="${options.name}"${options.error ? new Html(` aria-invalid="true" aria-describedby="${id}-error"`) : ''}>${options.choices.map(
    ([value, label]) =>
      html`<option value="${value}"${value === options.value ? new Html(' selected') : ''}>${label}</option>`,
  )}</select>${options.error ? html`<span class="error" id="${id}-error">${options.error}</span>` : ''}</div>`;
}

export function csrfInput(token: string): Html {
  return html`<input type="hidden" name="_csrf" value="${token}">`;
}

export function table(
  headers: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<Part>>,
  caption?: string,
): Html {
  return html`<table>${caption ? html`<caption>${caption}</caption>` : ''}<thead><tr>${headers.map(
    (header) => html`<th scope="col">${header}</th>`,
  )}</tr></thead><tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`;
}

export function formatTime(epochMs: number | null | undefined): string {
  if (epochMs === null || epochMs === undefined) return '-';
  return new Date(epochMs)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');
}

export const CSS = `
:root { --ink: #1c2430; --muted: #5b6676; --line: #d6dbe3; --bg: #f6f7f9; --accent: #1f5fbf; --ok: #1d7a46; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
header { display: flex; align-items: center; gap: 1.5rem; padding: .6rem 1.2rem; background: #fff; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
.brand { font-weight: 700; color: var(--accent); text-decoration: none; font-size: 1.1rem; }
nav { display: flex; align-items: center; gap: 1rem; flex: 1; flex-wrap: wrap; }
nav ul { display: flex; gap: .2rem; list-style: none; margin: 0; padding: 0; flex-wrap: wrap; }
nav a { display: block; padding: .35rem .6rem; border-radius: 6px; color: var(--ink); text-decoration: none; }
nav a[aria-current="page"] { background: #e3ecfa; color: var(--accent); font-weight: 600; }
nav a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #8ab4f8; outline-offset: 1px; }
.logout { margin-left: auto; display: flex; gap: .5rem; align-items: center; color: var(--muted); }
main { max-width: 1100px; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
h1 { font-size: 1.5rem; margin: .6rem 0 1rem; } h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; }
section, .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 1rem; }
.fields { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: flex-start; }
.field { display: flex; flex-direction: column; gap: .2rem; min-width: 9rem; }
.field.wide { flex: 1 1 100%; }
label { font-size: .85rem; color: var(--muted); font-weight: 600; }
input, select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #b9c1cd; border-radius: 5px; background: #fff; }
textarea { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .85rem; width: 100%; }
input[type=number] { width: 8rem; }
.invalid input, .invalid select, .invalid textarea { border-color: var(--bad); }
.error { color: var(--bad); font-size: .85rem; }
small { color: var(--muted); }
button { font: inherit; padding: .4rem .9rem; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); }
.flash { padding: .6rem .8rem; border-radius: 6px; }
.flash.ok { background: #e6f4ea; color: var(--ok); } .flash.error { background: #fce8e6; color: var(--bad); }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--muted); font-weight: 600; }
.rule { border-top: 1px solid var(--line); padding-top: .6rem; margin-top: .6rem; }
.rule h3 { font-size: .95rem; margin: 0 0 .4rem; font-family: ui-monospace, Menlo, monospace; }
.diff { font-family: ui-monospace, Menlo, monospace; font-size: .82rem; white-space: pre-wrap; background: #fff; border: 1px solid var(--line); padding: .5rem; }
.diff ins { background: #e6f4ea; text-decoration: none; display: block; } .diff del { background: #fce8e6; text-decoration: none; display: block; }
figure { margin: 0; } figcaption { font-weight: 600; margin-bottom: .3rem; }
svg text { font: 11px system-ui, sans-serif; fill: var(--muted); }
.bar { fill: var(--accent); } .bar.alt { fill: #f29d38; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
details summary { cursor: pointer; color: var(--accent); }
.inline { display: inline; }
`;
