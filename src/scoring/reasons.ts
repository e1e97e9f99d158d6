import type { Contribution } from './types.js';

export interface ReasonsOptions {
  top: number;
  maxLength: number;
}

const SEPARATOR = '; ';
const ELLIPSIS = '…';

/** One reason as a rep reads it: "+20 Pricing page visit (3)". */
export function renderReason(contribution: Pick<Contribution, 'points' | 'label' | 'count'>): string {
  const points = Math.round(contribution.points);
  const sign = points >= 0 ? '+' : '-';
  const count = contribution.count > 1 ? ` (${contribution.count})` : '';
  return `${sign}${Math.abs(points)} ${contribution.label}${count}`;
}

/**
 * The top contributions (already ordered) joined with "; ", at most `maxLength` characters (UTF-16 units, as
 * CRM text limits count them). Whole trailing reasons are dropped rather than cut; only a first reason that
 * alone is too long is cut, ending in "…". Reasons that round to 0 points are left out: "+0" explains nothing.
 */
export function renderReasons(contributions: readonly Contribution[], options: ReasonsOptions): string {
  let text = '';
  let shown = 0;
  for (const contribution of contributions) {
    if (shown >= options.top) break;
    if (Math.round(contribution.points) === 0) continue;
    const reason = renderReason(contribution);
    if (shown === 0) {
      if (reason.length > options.maxLength) return truncate(reason, options.maxLength);
      text = reason;
    } else {
      if (text.length + SEPARATOR.length + reason.length > options.maxLength) break;
      text += SEPARATOR + reason;
    }
    shown++;
  }
  return text;
}

function truncate(text: string, maxLength: number): string {
  let end = maxLength - ELLIPSIS.length;
  // Never split a surrogate pair (an emoji in a label).
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return text.slice(0, end).trimEnd() + ELLIPSIS;
}
