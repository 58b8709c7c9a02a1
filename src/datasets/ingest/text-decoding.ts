/** Byte → text decoding for the ingest pipeline, and the binary-file sniff. */
import { isUtf8 } from 'node:buffer';

export type TextEncodingName = 'utf-8' | 'latin1' | 'windows-1252';

/** windows-1252 code points for bytes 0x80–0x9f (undefined bytes keep their C1 code point). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];
const C1_RANGE = /[\x80-\x9f]/g;

/**
 * Marks text decoded from invalid UTF-8. A lone low surrogate can never come out of decoding
 * valid UTF-8, so unlike U+FFFD (which real files contain, e.g. AESLC) it cannot be confused
 * with content.
 */
export const INVALID_MARK = '\uDFFF';

/**
 * Streaming decoder. UTF-8: chunks are cut on a character boundary (≤ 3 bytes carried over),
 * a leading BOM is dropped, and valid bytes (checked natively with `isUtf8`) are decoded as
 * is; in a chunk with invalid bytes, each line containing them is decoded with INVALID_MARK
 * in place of the bad sequences, so the parser can name the line instead of crashing.
 * latin1 is ISO-8859-1 byte for byte. windows-1252 is mapped by hand: Node 20's
 * TextDecoder('windows-1252') decodes 0x80–0x9f as latin1.
 */
export class ChunkDecoder {
  private carry: Buffer | null = null;
  private atStart = true;
  /** True once any invalid UTF-8 was seen (until then, records need no INVALID_MARK check). */
  sawInvalid = false;

  constructor(private readonly encoding: TextEncodingName) {}

  decode(chunk: Uint8Array): string {
    let bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.encoding !== 'utf-8') {
      const text = bytes.toString('latin1');
      return this.encoding === 'windows-1252' ? text.replace(C1_RANGE, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80])) : text;
    }
    if (this.carry) {
      bytes = Buffer.concat([this.carry, bytes]);
      this.carry = null;
    }
    if (this.atStart) {
      if (bytes.length < 3 && bytes.length > 0 && Buffer.from([0xef, 0xbb, 0xbf]).subarray(0, bytes.length).equals(bytes)) {
        this.carry = Buffer.from(bytes);
        return '';
      }
      this.atStart = false;
      if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    }
    const cut = safeCut(bytes);
    if (cut < bytes.length) this.carry = Buffer.from(bytes.subarray(cut));
    return this.decodeUtf8(bytes.subarray(0, cut));
  }

  end(): string {
    const rest = this.carry;
    this.carry = null;
    if (!rest) return '';
    this.atStart = false;
    return this.decodeUtf8(rest);
  }

  private decodeUtf8(bytes: Buffer): string {
    if (isUtf8(bytes)) return bytes.toString('utf8');
    this.sawInvalid = true;
    const lines: string[] = [];
    let start = 0;
    while (start <= bytes.length) {
      let nl = bytes.indexOf(10, start);
      if (nl === -1) nl = bytes.length;
      const line = bytes.subarray(start, nl);
      lines.push(isUtf8(line) ? line.toString('utf8') : line.toString('utf8').replace(/\uFFFD/g, INVALID_MARK));
      start = nl + 1;
    }
    return lines.join('\n');
  }
}

/** The length of the longest prefix of `bytes` that does not end inside an incomplete UTF-8 sequence. */
function safeCut(bytes: Buffer): number {
  const n = bytes.length;
  for (let i = n - 1; i >= 0 && i >= n - 4; i--) {
    const b = bytes[i];
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const need = b < 0x80 ? 1 : (b & 0xe0) === 0xc0 ? 2 : (b & 0xf0) === 0xe0 ? 3 : (b & 0xf8) === 0xf0 ? 4 : 1;
    return i + need > n ? i : n;
  }
  return n;
}

/** How many leading bytes the binary sniff looks at. */
export const SNIFF_BYTES = 8192;

/**
 * True when the bytes look like a binary file rather than text: any NUL byte, or more than 10%
 * control characters other than tab, LF, CR, FF and ESC. (UTF-16 text counts as binary: it is
 * not an accepted encoding.)
 */
export function looksBinary(head: Uint8Array): boolean {
  if (head.length === 0) return false;
  let control = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0) return true;
    if ((b < 32 && b !== 9 && b !== 10 && b !== 13 && b !== 12 && b !== 27) || b === 127) control++;
  }
  return control / head.length > 0.1;
}

export const GZIP_MAGIC = [0x1f, 0x8b] as const;
