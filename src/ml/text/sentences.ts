/**
 * A rule-based sentence splitter for extractive summarisation: splits after `.`, `!`,
 * `?` (and runs of them, with closing quotes/brackets) followed by whitespace and an
 * upper-case letter, digit or quote, and at blank lines / line breaks that end a line
 * of text. Common abbreviations ("e.g.", "Mr.", single initials) do not end a sentence.
 * Returned sentences are trimmed and never empty.
 */

const ABBREVIATIONS = new Set([
  'mr', 'mrs', 'ms', 'dr', 'prof', 'sr', 'jr', 'st', 'vs', 'etc', 'e.g', 'i.e', 'inc', 'ltd', 'co', 'corp',
  'jan', 'feb', 'mar', 'apr', 'jun', 'jul', 'aug', 'sep', 'sept', 'oct', 'nov', 'dec', 'no', 'approx', 'dept',
]);

export function splitSentences(text: string): string[] {
  const out: string[] = [];
  // Paragraphs and line breaks first: e-mail bodies put one thought per line.
  for (const block of text.split(/\n\s*\n|\r\n\s*\r\n/)) {
    const lines = block.split(/\r?\n/);
    // Lines are joined back unless a line looks finished (ends in punctuation) or the next starts a list item.
    let buf = '';
    const flushParts = (s: string) => {
      for (const part of splitOnPunctuation(s)) {
        const t = part.trim();
        if (t.length > 0) out.push(t);
      }
    };
    for (const line of lines) {
      const l = line.trim();
      if (l.length === 0) continue;
      buf = buf.length > 0 ? `${buf} ${l}` : l;
      if (/[.!?:;]["')\]]*$/.test(l) || /^[-*•>\d]/.test(l)) {
        flushParts(buf);
        buf = '';
      }
    }
    if (buf.length > 0) flushParts(buf);
  }
  return out;
}

function splitOnPunctuation(s: string): string[] {
  const parts: string[] = [];
  const re = /[.!?]+["')\]]*(?=\s+["'(\[]?[A-Z0-9])/g;
  let start = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    const end = m.index + m[0].length;
    const before = s.slice(start, m.index);
    const lastWord = (before.split(/\s+/).pop() ?? '').toLowerCase();
    if (m[0] === '.' && (ABBREVIATIONS.has(lastWord) || /^[a-z]$/i.test(lastWord))) continue;
    parts.push(s.slice(start, end));
    start = end;
  }
  parts.push(s.slice(start));
  return parts;
}
