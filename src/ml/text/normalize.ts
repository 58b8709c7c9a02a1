/**
 * Text normalisation applied before tokenisation (and to references before scoring,
 * so model and metric see the same text). Tokenizers themselves never normalise:
 * `decode(encode(x)) === x` for any string.
 */

export interface NormalizeOptions {
  /** Lower-case with `toLocaleLowerCase('und')` semantics (default false). */
  lowercase?: boolean;
  /** Unicode normal form (default NFC, so "u + ¨" and "ü" are one symbol). */
  form?: 'NFC' | 'NFKC' | 'none';
  /** Collapse runs of whitespace (incl. newlines and tabs) to one space and trim (default true). */
  collapseWhitespace?: boolean;
}

export function normalizeText(text: string, options: NormalizeOptions = {}): string {
  let t = text;
  const form = options.form ?? 'NFC';
  if (form !== 'none') t = t.normalize(form);
  // Zero-width and control characters carry no meaning for our models and break alignment.
  t = t.replace(/[\u200B-\u200D\uFEFF]/g, '').replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, ' ');
  if (options.collapseWhitespace ?? true) t = t.replace(/\s+/gu, ' ').trim();
  if (options.lowercase) t = t.toLowerCase();
  return t;
}

/** Whitespace words (for length limits and simple statistics). */
export function words(text: string): string[] {
  return text.split(/\s+/u).filter((w) => w.length > 0);
}
