/**
 * Blending the model's likelihood into the band written back (pure). The rules keep the score, the sub-scores
 * and the stage, so the points a rep reads still add up; the likelihood may only move the band one grade, up at
 * or above `raiseAt` percent and down at or below `lowerAt`, and says so in the first reason. Thresholds compare
 * the likelihood in whole percent, the very number written to the likelihood field, so a rep can check them.
 */

export interface BandBlend {
  /** Which half of the band moves: the fit letter (B2 -> A2) or the engagement digit (B2 -> B1). */
  grade: 'fit' | 'engagement';
  /** Likelihood (whole percent) at or above which the band goes one grade up. */
  raiseAt?: number;
  /** Likelihood (whole percent) at or below which the band goes one grade down. */
  lowerAt?: number;
  /** The reasons text's length limit (the rules' `reasons.maxLength`). */
  maxLength: number;
}

export interface BlendableScore {
  band: string;
  reasonsText: string;
}

/** Best first: one grade up is one place to the left. */
const FIT_LETTERS = ['A', 'B', 'C', 'D'] as const;
const ENGAGEMENT_DIGITS = ['1', '2', '3'] as const;
const SEPARATOR = '; ';

/**
 * The score with its band moved by the likelihood, or the score itself when nothing moves: no blend configured,
 * no likelihood (no active model: rule-only), a likelihood between the thresholds, or a band already at the end
 * of its scale.
 */
export function blendBand<T extends BlendableScore>(
  score: T,
  likelihood: number | undefined,
  blend: BandBlend | undefined,
): T {
  if (blend === undefined || likelihood === undefined) return score;
  const step =
    blend.raiseAt !== undefined && likelihood >= blend.raiseAt
      ? -1
      : blend.lowerAt !== undefined && likelihood <= blend.lowerAt
        ? 1
        : 0;
  if (step === 0) return score;
  const band = movedBand(score.band, blend.grade, step);
  if (band === undefined) return score;
  const line = `Model: ${likelihood}% likely to convert (${score.band} -> ${band})`;
  return { ...score, band, reasonsText: prependReason(line, score.reasonsText, blend.maxLength) };
}

function movedBand(band: string, grade: BandBlend['grade'], step: number): string | undefined {
  const match = /^([A-D])([1-3])$/.exec(band);
  if (match === null) return undefined;
  const [, letter, digit] = match as unknown as [string, string, string];
  if (grade === 'fit') {
    const next = FIT_LETTERS[FIT_LETTERS.indexOf(letter as (typeof FIT_LETTERS)[number]) + step];
    return next === undefined ? undefined : `${next}${digit}`;
  }
  const next =
    ENGAGEMENT_DIGITS[ENGAGEMENT_DIGITS.indexOf(digit as (typeof ENGAGEMENT_DIGITS)[number]) + step];
  return next === undefined ? undefined : `${letter}${next}`;
}

/**
 * The model's line first (it explains the band), then the rules' reasons, dropping whole trailing ones to stay
 * within `maxLength`, as the rules' own rendering does.
 */
export function prependReason(line: string, reasons: string, maxLength: number): string {
  if (line.length >= maxLength) return line.slice(0, maxLength);
  let rest = reasons;
  while (rest !== '' && line.length + SEPARATOR.length + rest.length > maxLength) {
    const cut = rest.lastIndexOf(SEPARATOR);
    rest = cut === -1 ? '' : rest.slice(0, cut);
  }
  return rest === '' ? line : `${line}${SEPARATOR}${rest}`;
}
