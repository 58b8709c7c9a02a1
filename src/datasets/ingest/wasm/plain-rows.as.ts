/**
 * AssemblyScript (compiled to WebAssembly by `npm run build:wasm`; not TypeScript, so tsc skips
 * `*.as.ts`). The hot loop of a large recommendation upload: rows like `196,242,3,881250949`
 * (ids that are small canonical integers, a rating that is a multiple of 0.5 written as
 * `String()` writes it, a canonical integer timestamp), columns userId, itemId, rating[,
 * timestamp] in that order, `,` or tab, LF or CRLF. For each such row it assigns the seeded
 * split, records the stats and writes the compact line `<split digit><delim><line>\n` — exactly
 * what `RatingRowPath.plainRow` does in JavaScript, which `plain-rows.ts` checks row for row in
 * its tests. It stops at the first row it does not take and says why; the caller reads that
 * row with the JavaScript path and calls again.
 *
 * Memory (imported, owned by the caller): the fixed regions below. Nothing is allocated here.
 */

// ── memory layout (byte offsets; the caller's `plain-rows.ts` has the same numbers) ─────────
/** One byte per rating slot (`2 × rating + 2048`): 1 once the caller's histogram has the value. */
const KNOWN: usize = 0;
/** f64 per rating slot: rows counted here since the last flush. */
const HALVES: usize = 4096;
/** Input window. */
const IN: usize = 65536;
const IN_CAP: usize = 1 << 20;
/** Output batch. */
const OUT: usize = IN + IN_CAP;
const OUT_CAP: usize = 1 << 20;
/** Bitsets of the user and item ids seen here (2^26 bits each). */
const USERS: usize = 4 << 20;
const ITEMS: usize = 12 << 20;
const ID_LIMIT: u32 = 1 << 26;
const SLOT_OFFSET: i32 = 2048;
const SLOTS: i32 = 4096;
/** The longest row taken: 8 + 8 + 6 + 15 digits, 3 delimiters, CR, LF, and the split digit and delimiter. */
const MAX_ROW: usize = 64;

// ── results of `scan` ──────────────────────────────────────────────────────────────────────
/** The window is consumed up to `inEnd` (it ends on a line boundary). */
const END: i32 = 0;
/** The row at `inPos` is not one this takes: read it with the general code. */
const GENERAL: i32 = 1;
/** The row at `inPos` has a rating value the caller's histogram has not seen (its slot is now marked known): flush, then read it with the general code. */
const NEW_RATING: i32 = 2;
/** The output batch is full: copy out `OUT[0, outPos)`, then call again. */
const OUT_FULL: i32 = 3;
/** The line at `inPos` does not end inside the window. */
const INCOMPLETE: i32 = 4;

// ── configuration (set once per upload) ──────────────────────────────────────────────────
export let delim: i32 = 44;
export let hasTimestamp: i32 = 1;
export let seedMix: u32 = 0;
export let trainCut: f64 = 0;
export let validationCut: f64 = 0;
export let ratingMin: f64 = 0;
export let ratingMax: f64 = 0;

// ── state ──────────────────────────────────────────────────────────────────────────────────
/** Next input offset (from IN), next output offset (from OUT), the line number of the row at inPos. */
export let inPos: i32 = 0;
export let outPos: i32 = 0;
export let line: i32 = 0;
// Counted since the last flush (the caller adds them to its own and calls `resetCounts`).
export let rows: f64 = 0;
export let train: f64 = 0;
export let validation: f64 = 0;
export let test: f64 = 0;
export let withTimestamp: f64 = 0;
/** Σ 2 × rating (exact: an integer below 2^53). */
export let twiceSum: f64 = 0;
export let low: i32 = 0x7fffffff;
export let high: i32 = -0x80000000;
/** Highest bitset word touched (−1: none). */
export let userWords: i32 = -1;
export let itemWords: i32 = -1;
/** After NEW_RATING: the rating's slot. */
export let newSlot: i32 = 0;

export function resetCounts(): void {
  rows = 0; train = 0; validation = 0; test = 0; withTimestamp = 0; twiceSum = 0;
  low = 0x7fffffff; high = -0x80000000;
  memory.fill(HALVES, 0, <usize>SLOTS * 8);
}

@inline function digit(c: u32): bool {
  return c - 48 < 10;
}

const LFS = i8x16.splat(10);
const ZEROS = i8x16.splat(48);
const TENS = i8x16.splat(10);
let delims16: v128 = i8x16.splat(44);

@inline function isDigit(v: v128): v128 {
  return i8x16.lt_u(i8x16.sub(v, ZEROS), TENS);
}

/** The 48-bit mask of three 16-lane comparisons (bit k: byte k). */
@inline function mask(a: v128, b: v128, c: v128): u64 {
  return <u64><u32>i8x16.bitmask(a) | (<u64><u32>i8x16.bitmask(b) << 16) | (<u64><u32>i8x16.bitmask(c) << 32);
}

/** The value of the `n` (1–8) ASCII digits at `p`, without a loop (eight digits at once, Lemire's method; the bytes before them read as zeros). */
@inline function eightDigits(p: usize, n: i32): u32 {
  let v = load<u64>(p + <usize>n - 8);
  const low: u64 = (<u64>1 << (<u64>(8 - n) << 3)) - 1;
  v = (v & ~low) | (0x3030303030303030 & low);
  v = ((v & 0x0f0f0f0f0f0f0f0f) * 2561) >> 8;
  v = ((v & 0x00ff00ff00ff00ff) * 6553601) >> 16;
  return <u32>(((v & 0x0000ffff0000ffff) * 42949672960001) >> 32);
}

/** A rating (as twice its value) of the slot table and in the accepted range. */
@inline function inRange(twice: i32): bool {
  const rating = <f64>twice * 0.5;
  return twice + SLOT_OFFSET < SLOTS && rating >= ratingMin && rating <= ratingMax;
}

/** Takes rows from IN + inPos up to IN + inEnd. */
export function scan(inEnd: i32): i32 {
  const end = IN + <usize>inEnd;
  const outEnd = OUT + OUT_CAP - MAX_ROW;
  const d = <u32>delim;
  delims16 = i8x16.splat(<i8>d);
  const ts = hasTimestamp;
  let i = IN + <usize>inPos;
  let o = OUT + <usize>outPos;
  let ln = line;
  let status = END;
  let start = i;
  while (true) {
    if (i >= end) break;
    if (o > outEnd) { status = OUT_FULL; break; }
    start = i;
    let user: u32 = 0;
    let item: u32 = 0;
    let twice: i32 = 0;
    let len: i32 = 0;
    let next: usize = 0;
    // The common row in one go: its first 48 bytes classified 16 at a time (it is at most 42).
    const v0 = v128.load(i);
    const v1 = v128.load(i + 16);
    const v2 = v128.load(i + 32);
    const lfs = mask(i8x16.eq(v0, LFS), i8x16.eq(v1, LFS), i8x16.eq(v2, LFS));
    const lf = <i32>ctz(lfs);
    let fast = false;
    if (lfs != 0 && i + <usize>lf < end) {
      const e = lf > 0 && load<u8>(i + lf - 1) == 13 ? lf - 1 : lf;
      const content: u64 = (<u64>1 << <u64>e) - 1;
      const delims = mask(i8x16.eq(v0, delims16), i8x16.eq(v1, delims16), i8x16.eq(v2, delims16)) & content;
      const digits = mask(isDigit(v0), isDigit(v1), isDigit(v2));
      const others = ~digits & ~delims & content;
      if (<i32>popcnt(delims) == (ts ? 3 : 2) && popcnt(others) <= 1) {
        const d1 = <i32>ctz(delims);
        const rest = delims & (delims - 1);
        const d2 = <i32>ctz(rest);
        const d3 = ts ? <i32>ctz(rest & (rest - 1)) : e;
        // The one byte that is not a digit or a delimiter may only be the `.` of `<digits>.5` as the rating.
        const half = <i32>(others != 0);
        const dot = select<i32>(<i32>ctz(others), d3, half);
        const n1 = d1;
        const n2 = d2 - d1 - 1;
        const ni = dot - d2 - 1;
        const nt = e - d3 - 1;
        // `&` rather than `&&`: one branch instead of one per test (every byte read is inside the 48 loaded).
        if (<bool>(<i32>(<u32>(n1 - 1) < 8) & <i32>(<u32>(n2 - 1) < 8) & <i32>(<u32>(ni - 1) < 4)
          & (<i32>!half | (<i32>(load<u8>(i + dot) == 46) & <i32>(load<u8>(i + dot + 1) == 53) & <i32>(dot + 2 == d3)))
          & (<i32>!ts | (<i32>(<u32>(nt - 1) < 15) & (<i32>(nt == 1) | <i32>(load<u8>(i + d3 + 1) != 48))))
          & (<i32>(n1 == 1) | <i32>(load<u8>(i) != 48)) & (<i32>(n2 == 1) | <i32>(load<u8>(i + d1 + 1) != 48)) & (<i32>(ni == 1) | <i32>(load<u8>(i + d2 + 1) != 48)))) {
          user = eightDigits(i, n1);
          item = eightDigits(i + d1 + 1, n2);
          let whole: i32 = 0;
          for (let k = d2 + 1; k < dot; k++) whole = whole * 10 + <i32>(load<u8>(i + k) - 48);
          twice = whole * 2 + half;
          if (user < ID_LIMIT && item < ID_LIMIT && inRange(twice)) {
            fast = true;
            len = e;
            next = i + lf + 1;
            i += e;
          }
        }
      }
    }
    if (!fast) {
      // Byte by byte: anything else, and every row it does not take, with the reason.
      let c: u32 = load<u8>(i);
      // userId: 1–8 digits, no leading zero, below 2^26.
      user = 0;
      while (digit(c) && i < end) { user = user * 10 + (c - 48); c = load<u8>(++i); }
      let n = i - start;
      if (i >= end) { status = INCOMPLETE; break; }
      if (c != d || n == 0 || n > 8 || (n > 1 && load<u8>(start) == 48) || user >= ID_LIMIT) { status = GENERAL; break; }
      let s = ++i;
      c = load<u8>(i);
      item = 0;
      while (digit(c) && i < end) { item = item * 10 + (c - 48); c = load<u8>(++i); }
      n = i - s;
      if (i >= end) { status = INCOMPLETE; break; }
      if (c != d || n == 0 || n > 8 || (n > 1 && load<u8>(s) == 48) || item >= ID_LIMIT) { status = GENERAL; break; }
      // rating: 1–4 integer digits (no leading zero), optionally `.5`; a slot of the table.
      s = ++i;
      c = load<u8>(i);
      let whole: i32 = 0;
      while (digit(c) && i < end) { whole = whole * 10 + <i32>(c - 48); c = load<u8>(++i); }
      n = i - s;
      if (i >= end) { status = INCOMPLETE; break; }
      if (n == 0 || n > 4 || (n > 1 && load<u8>(s) == 48)) { status = GENERAL; break; }
      twice = whole * 2;
      if (c == 46) {
        if (i + 2 >= end) { status = INCOMPLETE; break; }
        if (load<u8>(i + 1) != 53 || digit(load<u8>(i + 2))) { status = GENERAL; break; }
        twice++;
        i += 2;
        c = load<u8>(i);
      }
      if (!inRange(twice)) { status = GENERAL; break; }
      if (ts) {
        if (c != d) { status = GENERAL; break; }
        s = ++i;
        c = load<u8>(i);
        while (digit(c) && i < end) c = load<u8>(++i);
        n = i - s;
        if (i >= end) { status = INCOMPLETE; break; }
        if (n == 0 || n > 15 || (n > 1 && load<u8>(s) == 48)) { status = GENERAL; break; }
      }
      if (c == 10) next = i + 1;
      else if (c == 13) {
        if (i + 1 >= end) { status = INCOMPLETE; break; }
        if (load<u8>(i + 1) != 10) { status = GENERAL; break; }
        next = i + 2;
      } else { status = GENERAL; break; }
      len = <i32>(i - start);
    }
    const slot = <usize>(twice + SLOT_OFFSET);
    if (load<u8>(KNOWN + slot) == 0) {
      store<u8>(KNOWN + slot, 1);
      newSlot = <i32>slot;
      status = NEW_RATING;
      break;
    }

    // Accepted: split, stats, output.
    let h: u32 = (<u32>ln * 0x9e3779b1) ^ seedMix;
    h ^= h >> 16;
    h *= 0x85ebca6b;
    h ^= h >> 13;
    h *= 0xc2b2ae35;
    h ^= h >> 16;
    // Branch-free from here: which split a row gets is a coin toss the CPU cannot predict.
    const fh = <f64>h;
    const split = <u32>(fh >= trainCut) + <u32>(fh >= validationCut);
    train += <f64>(split == 0);
    validation += <f64>(split == 1);
    test += <f64>(split == 2);
    rows += 1;
    withTimestamp += <f64>ts;
    twiceSum += <f64>twice;
    low = min(low, twice);
    high = max(high, twice);
    store<f64>(HALVES + (slot << 3), load<f64>(HALVES + (slot << 3)) + 1);
    const uw = <i32>(user >> 5);
    store<u32>(USERS + (<usize>uw << 2), load<u32>(USERS + (<usize>uw << 2)) | (1 << (user & 31)));
    userWords = max(userWords, uw);
    const iw = <i32>(item >> 5);
    store<u32>(ITEMS + (<usize>iw << 2), load<u32>(ITEMS + (<usize>iw << 2)) | (1 << (item & 31)));
    itemWords = max(itemWords, iw);

    store<u8>(o, 48 + split);
    store<u8>(o + 1, <u8>d);
    // The line in three 16-byte moves (a taken row is at most 40 bytes before its CR/LF; the
    // bytes past it are overwritten by the next row, and the output batch has MAX_ROW of slack).
    v128.store(o + 2, v128.load(start));
    v128.store(o + 18, v128.load(start + 16));
    v128.store(o + 34, v128.load(start + 32));
    store<u8>(o + 2 + len, 10);
    o += len + 3;
    ln++;
    i = next;
  }
  // Stopped inside a row: it starts again at its beginning.
  if (status != END && status != OUT_FULL) i = start;
  inPos = <i32>(i - IN);
  outPos = <i32>(o - OUT);
  line = ln;
  return status;
}
