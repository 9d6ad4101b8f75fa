/**
 * Reading JSON text as bytes, for the checks that must not parse it (depth before parsing,
 * projection without building the value).
 */

/**
 * The position just after the closing quote of a JSON string whose opening quote is just
 * before `at`; -1 when the text ends first. Short strings are read a byte at a time, a long one
 * by the native search for its closing quote.
 *
 * @example
 * ```ts
 * afterString(Buffer.from('"a\\"b" x'), 1); // 6
 * ```
 */
export function afterString(b: Buffer, at: number): number {
  const near = Math.min(at + 24, b.length);
  for (let q = at; q < near; q++) {
    const c = b[q];
    if (c === 0x22) return q + 1;
    if (c === 0x5c) q++;
  }
  for (let q = near; ; q++) {
    q = b.indexOf(0x22, q);
    if (q < 0) return -1;
    // A quote after an odd run of backslashes is escaped (the run cannot reach past the
    // opening quote).
    let r = q - 1;
    while (b[r] === 0x5c) r--;
    if ((q - r) % 2 === 1) return q + 1;
  }
}

/** The position after the whitespace at `at` (RFC 8259: space, tab, line feed, return). */
export function afterWhitespace(b: Buffer, at: number): number {
  let p = at;
  // Most texts have none: one comparison tells a structural byte from all four.
  for (const n = b.length; p < n; p++) {
    const c = b[p] as number;
    if (c > 0x20 || (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09)) break;
  }
  return p;
}
