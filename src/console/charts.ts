import { esc, Html, html, table } from './html.js';

/**
 * Bar charts as inline SVG, built on the server: no script, no library. Each comes with a text alternative
 * (an aria description and the numbers as a table) for screen readers and for people who prefer numbers.
 */

export interface Series {
  name: string;
  values: readonly number[];
  /** Second series colour. */
  alt?: boolean;
}

let chartCounter = 0;

export function barChart(options: {
  title: string;
  labels: readonly string[];
  series: readonly Series[];
  /** How a value reads in the table and tooltips, e.g. as a percentage. */
  format?: (value: number) => string;
  width?: number;
  height?: number;
}): Html {
  const id = `chart-${++chartCounter}`;
  const format = options.format ?? ((value: number) => String(value));
  const width = options.width ?? 480;
  const height = options.height ?? 200;
  const pad = { top: 10, right: 8, bottom: 34, left: 46 };
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const max = Math.max(1, ...options.series.flatMap((series) => series.values));
  const groups = Math.max(1, options.labels.length);
  const groupW = plotW / groups;
  const barW = Math.max(2, (groupW * 0.8) / Math.max(1, options.series.length));
  const bars: string[] = [];
  options.labels.forEach((label, index) => {
    options.series.forEach((series, s) => {
      const value = series.values[index] ?? 0;
      const h = (value / max) * plotH;
      const x = pad.left + index * groupW + groupW * 0.1 + s * barW;
      const y = pad.top + plotH - h;
      bars.push(
        `<rect class="bar${series.alt ? ' alt' : ''}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${esc(
          `${series.name} ${label}: ${format(value)}`,
        )}</title></rect>`,
      );
    });
    const every = Math.ceil(groups / 12);
    if (index % every === 0) {
      bars.push(
        `<text x="${(pad.left + index * groupW + groupW / 2).toFixed(1)}" y="${height - pad.bottom + 14}" text-anchor="middle">${esc(label)}</text>`,
      );
    }
  });
  const axis = `<line x1="${pad.left}" y1="${pad.top + plotH}" x2="${width - pad.right}" y2="${pad.top + plotH}" stroke="#b9c1cd"/>
<text x="${pad.left - 4}" y="${pad.top + 8}" text-anchor="end">${esc(format(max))}</text>
<text x="${pad.left - 4}" y="${pad.top + plotH}" text-anchor="end">0</text>`;
  const legend =
    options.series.length > 1
      ? options.series
          .map(
            (series, s) =>
              `<rect class="bar${series.alt ? ' alt' : ''}" x="${pad.left + s * 130}" y="${height - 14}" width="10" height="10"/><text x="${pad.left + s * 130 + 14}" y="${height - 5}">${esc(series.name)}</text>`,
          )
          .join('')
      : '';
  const summary = options.series
    .map(
      (series) =>
        `${series.name}: ${options.labels.map((label, index) => `${label} ${format(series.values[index] ?? 0)}`).join(', ')}`,
    )
    .join('; ');
  return html`<figure class="chart"><figcaption id="${id}-title">${options.title}</figcaption>
${new Html(
  `<svg role="img" aria-labelledby="${id}-title" aria-describedby="${id}-desc" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="xMinYMin meet"><desc id="${id}-desc">${esc(summary)}</desc>${axis}${bars.join('')}${legend}</svg>`,
)}
<details><summary>Numbers</summary>${table(
    ['', ...options.series.map((series) => series.name)],
    options.labels.map((label, index) => [
      label,
      ...options.series.map((series) => format(series.values[index] ?? 0)),
    ]),
  )}</details></figure>`;
}

export function percent(value: number): string {
  return `${(value * 100).toFixed(1)}%`;
}
