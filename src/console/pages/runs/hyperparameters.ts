/** The launch form's hyperparameter inputs: text while edited, typed again (by the default's type) when sent. */
export type Drafts = Record<string, string>;

export function toDraft(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Parses one input by its default's type; text that does not parse is sent as it is, for the server to name. */
export function parseDraft(draft: string, defaultValue: unknown): unknown {
  if (typeof defaultValue === 'string') return draft;
  const trimmed = draft.trim();
  if (typeof defaultValue === 'number') {
    const n = Number(trimmed);
    return trimmed !== '' && Number.isFinite(n) ? n : draft;
  }
  try {
    return JSON.parse(trimmed);
  } catch {
    return draft;
  }
}

/** Only the values that differ from the defaults: the server merges them over the preset's. */
export function changedHyperparameters(drafts: Drafts, defaults: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, draft] of Object.entries(drafts)) {
    if (draft === toDraft(defaults[key])) continue;
    out[key] = parseDraft(draft, defaults[key]);
  }
  return out;
}

/** A fresh idempotency key (crypto.randomUUID needs a secure context, which plain http on a LAN is not). */
export function newIdempotencyKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `console-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
