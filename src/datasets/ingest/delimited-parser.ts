/**
 * A streaming RFC 4180 parser for CSV/TSV/any single-character delimiter, fed decoded text in
 * chunks of any size. It reports each record with the physical line it starts on, keeps
 * memory bounded by `maxFieldChars` (an oversized field is skipped, not buffered) and never
 * throws: malformed quoting becomes a per-record error and parsing resumes at the next record.
 *
 * Why not csv-parse: csv-parse 7 counts CRLF inside a quoted field as two lines (so line
 * numbers drift) and stops emitting records after a `max_record_size` error; this parser is
 * checked against csv-parse on well-formed input in the tests.
 *
 * Rules: a field starting with the quote character is quoted (`""` is a literal quote, newlines
 * allowed); a quote inside an unquoted field is literal; after a closing quote only the
 * delimiter, CR or LF may follow (else BAD_QUOTE); CRLF and LF end records; blank lines are
 * skipped.
 */

export interface ParseIssue { code: 'BAD_QUOTE' | 'UNCLOSED_QUOTE' | 'FIELD_TOO_LARGE' | 'TOO_MANY_COLUMNS'; message: string; column: number | null }

export type RecordHandler = (fields: string[], line: number, issue: ParseIssue | null) => void;

export interface DelimitedParserOptions {
  delimiter: string;
  quote?: string;
  /** Fields longer than this (UTF-16 units) are dropped and reported as FIELD_TOO_LARGE. */
  maxFieldChars: number;
  maxColumns?: number;
}

const LF = 10;
const CR = 13;

const enum State { FieldStart, Unquoted, Quoted, QuoteInQuoted }

export class DelimitedParser {
  private readonly delim: number;
  private readonly quote: number;
  private readonly quoteChar: string;
  private readonly maxFieldChars: number;
  private readonly maxColumns: number;
  private state = State.FieldStart;
  private fields: string[] = [];
  private field = '';
  private fieldChars = 0;
  private oversize = false;
  private fieldQuoted = false;
  private line = 1;
  private recordLine = 0;
  private issue: ParseIssue | null = null;

  constructor(opts: DelimitedParserOptions, private readonly onRecord: RecordHandler) {
    if (opts.delimiter.length !== 1) throw new RangeError('delimiter must be one character');
    this.delim = opts.delimiter.charCodeAt(0);
    this.quoteChar = opts.quote ?? '"';
    this.quote = this.quoteChar.charCodeAt(0);
    this.maxFieldChars = opts.maxFieldChars;
    this.maxColumns = opts.maxColumns ?? 10_000;
  }

  /** Lines seen so far (1-based number of the current line). */
  get currentLine(): number {
    return this.line;
  }

  /** True between records: nothing of a record is pending, so the next byte starts a new line. */
  get idle(): boolean {
    return this.state === State.FieldStart && this.recordLine === 0;
  }

  /**
   * Continues at `line` while idle: the caller handled the lines in between itself (the byte-level
   * fast path), so line numbers stay exact.
   */
  resumeAt(line: number): void {
    if (!this.idle) throw new Error('resumeAt inside a record');
    this.line = line;
  }

  push(text: string): void {
    const n = text.length;
    const delim = this.delim;
    const quote = this.quote;
    let i = 0;
    while (i < n) {
      switch (this.state) {
        case State.FieldStart: {
          const c = text.charCodeAt(i);
          if (this.recordLine === 0) {
            if (c === LF) { this.line++; i++; continue; }
            this.recordLine = this.line;
          }
          if (c === quote) { this.state = State.Quoted; this.fieldQuoted = true; i++; }
          else this.state = State.Unquoted;
          continue;
        }
        case State.Unquoted: {
          let j = i;
          let c = 0;
          while (j < n) {
            c = text.charCodeAt(j);
            if (c === delim || c === LF) break;
            j++;
          }
          if (j > i) this.append(text, i, j);
          if (j === n) { i = n; continue; }
          if (c === delim) {
            this.endField();
            this.state = State.FieldStart;
          } else {
            this.stripTrailingCR();
            this.endField();
            this.endRecord();
            this.line++;
          }
          i = j + 1;
          continue;
        }
        case State.Quoted: {
          const q = text.indexOf(this.quoteChar, i);
          const end = q === -1 ? n : q;
          for (let k = text.indexOf('\n', i); k !== -1 && k < end; k = text.indexOf('\n', k + 1)) this.line++;
          if (end > i) this.append(text, i, end);
          if (q === -1) { i = n; continue; }
          this.state = State.QuoteInQuoted;
          i = q + 1;
          continue;
        }
        case State.QuoteInQuoted: {
          const c = text.charCodeAt(i);
          if (c === quote) { this.append(this.quoteChar, 0, 1); this.state = State.Quoted; i++; }
          else if (c === delim) { this.endField(); this.state = State.FieldStart; i++; }
          else if (c === LF) { this.endField(); this.endRecord(); this.line++; i++; }
          else if (c === CR) { i++; }
          else {
            this.setIssue('BAD_QUOTE', `unexpected character after the closing quote of column ${this.fields.length + 1}`, this.fields.length);
            this.state = State.Unquoted;
          }
          continue;
        }
      }
    }
  }

  /** Flushes the last record (a file need not end with a newline). */
  end(): void {
    if (this.state === State.Quoted) {
      this.setIssue('UNCLOSED_QUOTE', `the quote opened in column ${this.fields.length + 1} is never closed`, this.fields.length);
    }
    if (this.recordLine !== 0) {
      if (this.state === State.Unquoted) this.stripTrailingCR();
      this.endField();
      this.endRecord();
    }
    this.state = State.FieldStart;
  }

  private append(text: string, from: number, to: number): void {
    if (this.oversize) return;
    this.fieldChars += to - from;
    if (this.fieldChars > this.maxFieldChars) {
      this.oversize = true;
      this.field = '';
      this.setIssue('FIELD_TOO_LARGE', `column ${this.fields.length + 1} is larger than ${this.maxFieldChars} characters`, this.fields.length);
      return;
    }
    this.field += from === 0 && to === text.length ? text : text.slice(from, to);
  }

  private stripTrailingCR(): void {
    if (!this.fieldQuoted && this.field.charCodeAt(this.field.length - 1) === CR) this.field = this.field.slice(0, -1);
  }

  private endField(): void {
    if (this.fields.length < this.maxColumns) this.fields.push(this.field);
    else if (this.fields.length === this.maxColumns) this.setIssue('TOO_MANY_COLUMNS', `more than ${this.maxColumns} columns`, null);
    this.field = '';
    this.fieldChars = 0;
    this.oversize = false;
    this.fieldQuoted = false;
  }

  private endRecord(): void {
    const fields = this.fields;
    const blank = fields.length === 1 && fields[0] === '' && this.issue === null;
    if (!blank) this.onRecord(fields, this.recordLine, this.issue);
    this.fields = [];
    this.issue = null;
    this.recordLine = 0;
    this.state = State.FieldStart;
  }

  private setIssue(code: ParseIssue['code'], message: string, column: number | null): void {
    if (!this.issue) this.issue = { code, message, column };
  }
}
