/**
 * Splits decoded text into lines (LF or CRLF) for JSONL, reporting each non-blank line with its
 * 1-based line number. A line longer than `maxLineChars` is not buffered: it is reported once
 * as too large and skipped up to its newline, so memory stays bounded.
 */
export type LineHandler = (text: string, line: number) => void;
export type OversizeHandler = (line: number) => void;

export class LineSplitter {
  private carry = '';
  private carryOversize = false;
  private line = 1;

  constructor(
    private readonly maxLineChars: number,
    private readonly onLine: LineHandler,
    private readonly onOversize: OversizeHandler,
  ) {}

  push(text: string): void {
    let start = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
      if (this.carryOversize) {
        this.carryOversize = false;
        this.carry = '';
      } else {
        const piece = this.carry ? this.carry + text.slice(start, nl) : text.slice(start, nl);
        this.carry = '';
        if (piece.length > this.maxLineChars) this.onOversize(this.line);
        else this.emit(piece);
      }
      this.line++;
      start = nl + 1;
    }
    if (start < text.length && !this.carryOversize) {
      this.carry += text.slice(start);
      if (this.carry.length > this.maxLineChars) {
        this.onOversize(this.line);
        this.carry = '';
        this.carryOversize = true;
      }
    }
  }

  end(): void {
    if (!this.carryOversize && this.carry) this.emit(this.carry);
    this.carry = '';
    this.carryOversize = false;
  }

  private emit(piece: string): void {
    const text = piece.charCodeAt(piece.length - 1) === 13 ? piece.slice(0, -1) : piece;
    if (text.trim() !== '') this.onLine(text, this.line);
  }
}
