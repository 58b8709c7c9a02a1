/**
 * Records in, canonical rows out: the layout of a delimited file (from its first record), the
 * keys of a JSONL file (from its first object), per-row validation with the error naming the line
 * and the field, the split of each row, the labels' limit, the JSONL line of each valid row, the
 * preview, and the run's counts. `ingest.ts` feeds it records from its parsers and adds the rows
 * its byte-level readers took themselves (`countTaken`, `addTaken`).
 */
import type { ParseIssue } from './delimited-parser';
import { resolveLayout, type DelimitedLayout } from './layout';
import type { OutputBuffer } from './output-buffer';
import { convertField, isProblem, MAX_FIELD_BYTES, normalizeName, TASK_FIELDS, type FieldSpec, type RatingRange } from './schema';
import { ACCEPTED_SPLIT_VALUES, splitIndexOf, type SplitName, type SplitSource } from './split';
import type { CanonicalRow, RowValues, StatsCollector } from './task-stats';
import { INVALID_MARK, type ChunkDecoder } from './text-decoding';
import type { FatalCode, IngestOptions, IngestResult, RowError } from './types';

/** A JSONL line may hold a few 1 MB fields plus JSON escaping. */
export const MAX_LINE_CHARS = 8 * MAX_FIELD_BYTES;
// Hot-path globals bound once: under Jest's vm context every global lookup is slow.
const stringify = JSON.stringify;
const SPLIT_PREFIX = ['{"split":"train"', '{"split":"validation"', '{"split":"test"'];
const SPLIT_NAMES: readonly SplitName[] = ['train', 'validation', 'test'];
const INVALID_UTF8 = 'invalid UTF-8 byte sequence (choose latin1 or windows-1252 if the file is not UTF-8)';

/** What the validator needs from the run that feeds it. */
export interface RowValidatorHost {
  /** True once the run has ended (a fatal error, or the end): records are ignored. */
  isDone(): boolean;
  /** Ends the run with a file-level error. */
  fail(code: FatalCode, message: string): void;
  /** The delimited file's layout is known (the byte-level readers can be set up). */
  onLayout(layout: DelimitedLayout): void;
}

/** The parts shared with the run's byte-level readers. */
export interface RowValidatorParts {
  stats: StatsCollector;
  splitter: SplitSource;
  output: OutputBuffer;
  ratingRange: RatingRange;
  /** Says whether any invalid UTF-8 was replaced (then fields are checked for the mark). */
  decoder: ChunkDecoder;
}

export class RowValidator {
  private readonly specs: readonly FieldSpec[];
  /** `,"name":` for each field, in TASK_FIELDS order. */
  private readonly jsonPrefixes: string[];
  private readonly isClassification: boolean;
  private readonly ratingRange: RatingRange;
  private readonly maxErrors: number;
  private readonly previewRows: number;
  private readonly maxLabels: number;
  private readonly columns: Record<string, string>;
  private readonly labels = new Set<string>();
  private readonly stats: StatsCollector;
  private readonly splitter: SplitSource;
  private readonly output: OutputBuffer;
  private readonly decoder: ChunkDecoder;

  private layout: DelimitedLayout | null = null;
  private jsonKeys: (string | null)[] | null = null;
  private columnMapping: Record<string, string> = {};
  /** Records read (header excluded), valid or not. */
  private records = 0;
  private rowCount = 0;
  /** Rows per split: train, validation, test. */
  private readonly splitCounts = [0, 0, 0];
  /** Where the user's split comes from, for messages (`column "split"`, `key "ml_use"`); null when not given. */
  private splitLabel: string | null = null;
  private readonly errors: RowError[] = [];
  private errorCount = 0;
  private readonly preview: Record<string, unknown>[] = [];

  constructor(private readonly opts: IngestOptions, parts: RowValidatorParts, private readonly host: RowValidatorHost) {
    this.specs = TASK_FIELDS[opts.task];
    this.jsonPrefixes = this.specs.map((spec) => `,${JSON.stringify(spec.name)}:`);
    this.isClassification = opts.task === 'CLASSIFICATION';
    this.maxErrors = opts.maxErrors ?? 100;
    this.previewRows = opts.previewRows ?? 20;
    this.maxLabels = opts.maxLabels ?? 1000;
    this.columns = opts.columns ?? {};
    ({ stats: this.stats, splitter: this.splitter, output: this.output, ratingRange: this.ratingRange, decoder: this.decoder } = parts);
  }

  /** The preview is complete: later rows may go to the byte-level readers (which make no preview rows). */
  get previewFull(): boolean {
    return this.preview.length >= this.previewRows;
  }

  /** Counts a valid row a byte-level reader took and wrote itself (its stats are in the collector). */
  countTaken(split: number): void {
    this.records++;
    this.rowCount++;
    this.splitCounts[split]++;
  }

  /** Counts `rows` valid rows a byte-level reader took, `splitCounts` of them per split. */
  addTaken(rows: number, splitCounts: readonly number[]): void {
    this.records += rows;
    this.rowCount += rows;
    splitCounts.forEach((n, k) => (this.splitCounts[k] += n));
  }

  // ── CSV/TSV records ──────────────────────────────────────────────────────────────────────

  onRecord(fields: string[], line: number, issue: ParseIssue | null): void {
    if (this.host.isDone()) return;
    if (!this.layout) {
      const layout = resolveLayout(fields, this.specs, { hasHeader: this.opts.hasHeader, columns: this.columns, splitColumn: this.opts.splitColumn });
      if (typeof layout === 'string') return this.host.fail('BAD_HEADER', layout);
      this.layout = layout;
      this.columnMapping = layout.mapping;
      if (layout.splitIndex !== -1) this.splitLabel = layout.hasHeader ? `column "${layout.mapping.split}"` : `column ${layout.splitIndex + 1}`;
      this.host.onLayout(layout);
      if (layout.hasHeader) return;
    }
    this.records++;
    const layout = this.layout;
    if (issue) return this.rowError(line, issue.column === null ? null : this.columnName(issue.column), issue.code, issue.message);
    if (fields.length !== layout.columns) {
      return this.rowError(line, null, 'WRONG_COLUMN_COUNT', `expected ${layout.columns} columns, found ${fields.length}`);
    }
    if (this.decoder.sawInvalid) {
      const bad = fields.findIndex((f) => f.includes(INVALID_MARK));
      if (bad !== -1) return this.rowError(line, this.columnName(bad), 'INVALID_UTF8', INVALID_UTF8);
    }
    const values: RowValues = new Array(this.specs.length);
    for (let k = 0; k < this.specs.length; k++) {
      const spec = this.specs[k];
      const index = layout.indexes[k];
      const value = convertField(spec, index < 0 ? undefined : fields[index], this.ratingRange);
      if (isProblem(value)) return this.rowError(line, spec.name, value.code, value.message);
      values[k] = value;
    }
    const split = layout.splitIndex === -1 ? this.splitter.assignIndex(line) : this.userSplit(fields[layout.splitIndex], line);
    if (split !== -1) this.accept(values, line, split);
  }

  private columnName(index: number): string {
    const layout = this.layout;
    if (!layout) return String(index);
    if (index === layout.splitIndex) return 'split';
    const k = layout.indexes.indexOf(index);
    return k === -1 ? `column ${index + 1}` : this.specs[k].name;
  }

  // ── JSONL lines ──────────────────────────────────────────────────────────────────────────

  onJsonLine(text: string, line: number): void {
    if (this.host.isDone()) return;
    this.records++;
    if (this.decoder.sawInvalid && text.includes(INVALID_MARK)) return this.rowError(line, null, 'INVALID_UTF8', INVALID_UTF8);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      return this.rowError(line, null, 'INVALID_JSON', `not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return this.rowError(line, null, 'NOT_AN_OBJECT', 'each line must be a JSON object');
    }
    const object = value as Record<string, unknown>;
    const keys = this.jsonKeys ?? this.resolveJsonKeys(object);
    const values: RowValues = new Array(this.specs.length);
    for (let k = 0; k < this.specs.length; k++) {
      const spec = this.specs[k];
      const key = keys[k];
      const raw = key !== null && Object.hasOwn(object, key) ? object[key] : undefined;
      const converted = convertField(spec, raw, this.ratingRange);
      if (isProblem(converted)) return this.rowError(line, spec.name, converted.code, key && converted.code === 'MISSING_FIELD' ? `"${key}" is missing` : converted.message);
      values[k] = converted;
    }
    const splitKey = this.opts.splitColumn;
    const split = splitKey === undefined ? this.splitter.assignIndex(line) : this.userSplit(Object.hasOwn(object, splitKey) ? object[splitKey] : undefined, line);
    if (split !== -1) this.accept(values, line, split);
  }

  /** The JSON key of each field: the explicit mapping, else the first key of the first object matching an alias. */
  private resolveJsonKeys(first: Record<string, unknown>): (string | null)[] {
    const present = Object.keys(first).filter((key) => key !== this.opts.splitColumn);
    const keys = this.specs.map((spec) => {
      const explicit = this.columns[spec.name];
      if (explicit !== undefined) return explicit;
      return present.find((key) => spec.aliases.includes(normalizeName(key))) ?? spec.name;
    });
    keys.forEach((key, k) => {
      if (key !== null && (Object.hasOwn(first, key) || this.columns[this.specs[k].name] !== undefined)) this.columnMapping[this.specs[k].name] = key;
    });
    const splitKey = this.opts.splitColumn;
    if (splitKey !== undefined) {
      this.columnMapping.split = splitKey;
      this.splitLabel = `key ${stringify(splitKey)}`;
    }
    this.jsonKeys = keys;
    return keys;
  }

  onOversizeLine(line: number): void {
    if (this.host.isDone()) return;
    this.records++;
    this.rowError(line, null, 'FIELD_TOO_LARGE', `the line is longer than ${MAX_LINE_CHARS} characters`);
  }

  // ── rows ─────────────────────────────────────────────────────────────────────────────────

  /** The split a user's column or key names (0, 1, 2), or −1 after recording the row error. */
  private userSplit(raw: unknown, line: number): number {
    const problem = typeof raw !== 'string' ? (raw === undefined || raw === null ? 'is missing' : 'must be a string')
      : raw.trim() === '' ? 'is empty'
      : splitIndexOf(raw) === -1 ? `has ${stringify(raw.length > 40 ? `${raw.slice(0, 40)}…` : raw)}, which names no split`
      : null;
    if (problem === null) return splitIndexOf(raw as string);
    const code = problem === 'is missing' ? 'MISSING_FIELD' : problem === 'is empty' ? 'EMPTY_FIELD' : 'INVALID_SPLIT';
    this.rowError(line, 'split', code, `the split ${this.splitLabel} ${problem}; accepted (any case): ${ACCEPTED_SPLIT_VALUES}`);
    return -1;
  }

  /** Records a valid row in split `split` (0 train, 1 validation, 2 test). */
  private accept(values: RowValues, line: number, split: number): void {
    if (this.isClassification) {
      const label = values[1] as string;
      if (!this.labels.has(label)) {
        if (this.labels.size >= this.maxLabels) {
          return this.rowError(line, 'label', 'TOO_MANY_LABELS', `more than ${this.maxLabels} distinct labels`);
        }
        this.labels.add(label);
      }
    }
    this.rowCount++;
    this.stats.add(values);
    this.splitCounts[split]++;
    // Hand-built JSON (the hot path): numbers here are always finite, so String(n) is valid JSON.
    let json = SPLIT_PREFIX[split];
    for (let k = 0; k < values.length; k++) {
      const value = values[k];
      if (value === undefined) continue;
      json += this.jsonPrefixes[k] + (typeof value === 'number' ? `${value}` : stringify(value));
    }
    this.output.writeString(json + '}\n');
    if (this.preview.length < this.previewRows) {
      const row: CanonicalRow = {};
      for (let k = 0; k < values.length; k++) if (values[k] !== undefined) row[this.specs[k].name] = values[k] as string | number;
      this.preview.push({ split: SPLIT_NAMES[split], ...row });
    }
  }

  private rowError(line: number, field: string | null, code: string, message: string): void {
    this.errorCount++;
    if (this.errors.length < this.maxErrors) this.errors.push({ line, field, message: `line ${line}: ${message}`, code });
  }

  // ── the end ──────────────────────────────────────────────────────────────────────────────

  /** The file-level error the rows amount to at the end of a file that had bytes (no rows, an empty split), or null. */
  endProblem(): { code: FatalCode; message: string } | null {
    if (this.records === 0) {
      return { code: 'EMPTY', message: this.layout?.hasHeader ? 'the file has a header row but no data rows' : 'the file has no rows' };
    }
    if (this.opts.splitColumn !== undefined && this.errorCount === 0) {
      // Training needs train rows and the final evaluation needs test rows; validation may be
      // empty (the trainer then validates on train).
      const [train, , test] = this.splitCounts;
      const empty = [train === 0 && 'train', test === 0 && 'test'].filter(Boolean);
      if (empty.length) {
        return { code: 'EMPTY_SPLIT', message: `no row is in ${empty.join(' or ')} (split ${this.splitLabel}): training needs train rows and evaluation needs test rows` };
      }
    }
    return null;
  }

  /** The rows' part of the result. */
  summary(): Pick<IngestResult, 'rowCount' | 'columnMapping' | 'hasHeader' | 'stats' | 'splitCounts' | 'errors' | 'errorCount' | 'preview'> {
    return {
      rowCount: this.rowCount,
      columnMapping: this.columnMapping,
      hasHeader: this.layout?.hasHeader ?? false,
      stats: this.stats.result(),
      splitCounts: { train: this.splitCounts[0], validation: this.splitCounts[1], test: this.splitCounts[2] },
      errors: this.errors,
      errorCount: this.errorCount,
      preview: this.preview,
    };
  }
}
