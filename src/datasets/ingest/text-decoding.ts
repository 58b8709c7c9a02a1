/** Byte → text decoding for the ingest pipeline, and the binary-file sniff. */
import { TextDecoder } from 'node:util';

export type TextEncodingName = 'utf-8' | 'latin1' | 'windows-1252';

/** windows-1252 code points for bytes 0x80–0x9f (undefined bytes keep their C1 code point). */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];
const C1_RANGE = /[\x80-\x9f]/g;

/**
 * Streaming decoder. UTF-8 uses a non-fatal TextDecoder (a leading BOM is dropped, sequences
 * split across chunks are joined); an invalid sequence becomes U+FFFD and sets
 * `sawReplacement`, so the parser can name the line instead of crashing. latin1 is ISO-8859-1
 * byte-for-byte. windows-1252 is mapped by hand: Node 20's TextDecoder('windows-1252') decodes
 * 0x80–0x9f as latin1.
 */
export class ChunkDecoder {
  private readonly utf8: TextDecoder | null;
  sawReplacement = false;

  constructor(private readonly encoding: TextEncodingName) {
    this.utf8 = encoding === 'utf-8' ? new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }) : null;
  }

  decode(chunk: Uint8Array): string {
    if (this.utf8) return this.check(this.utf8.decode(chunk, { stream: true }));
    const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    return this.encoding === 'windows-1252' ? text.replace(C1_RANGE, (c) => String.fromCharCode(CP1252_HIGH[c.charCodeAt(0) - 0x80])) : text;
  }

  end(): string {
    return this.utf8 ? this.check(this.utf8.decode()) : '';
  }

  private check(text: string): string {
    if (!this.sawReplacement && text.indexOf('\uFFFD') !== -1) this.sawReplacement = true;
    return text;
  }
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
