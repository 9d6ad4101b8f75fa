/** Why a set of session values is guessable. */
export type Weakness = "identical" | "sequential" | "timestamp" | "shared-prefix" | "low-entropy";

export interface RandomnessVerdict {
  readonly weakness: Weakness;
  /** The estimated entropy of one value, in bits. */
  readonly bits: number;
  /** One sentence about what was seen, without the values themselves. */
  readonly detail: string;
}

/** OWASP session management: at least 64 bits of entropy per session id. */
export const MIN_ENTROPY_BITS = 64;

const DAY_SECONDS = 86_400;

/**
 * Judges the randomness of values one issuer gave to successive logins (session ids, opaque
 * tokens): identical values, sequential numbers, timestamps, a long shared prefix with a short
 * varying part, or an estimated entropy below 64 bits. The estimate is the length of the part
 * that varies times the bits per character of the alphabet seen. Needs three values or more;
 * undefined when they look random.
 *
 * @example
 * ```ts
 * analyseSamples(["sess-000001", "sess-000002", "sess-000003"], Date.now())?.weakness; // "sequential"
 * ```
 */
export function analyseSamples(
  values: readonly string[],
  nowMs: number,
): RandomnessVerdict | undefined {
  if (values.length < 3) return undefined;
  if (new Set(values).size === 1) {
    // A short constant ("1", "deleted") is a flag, not a session value.
    if ((values[0] ?? "").length < 16) return undefined;
    return {
      weakness: "identical",
      bits: 0,
      detail: `${values.length} logins all received the same value`,
    };
  }
  const prefix = commonPrefix(values);
  const suffix = commonSuffix(values.map((v) => v.slice(prefix)));
  const middles = values.map((v) => v.slice(prefix, v.length - suffix));
  const varying = Math.max(...middles.map((m) => m.length));
  const bits = Math.round(varying * bitsPerChar(values.join("")));
  const numbers = middles.map((m) => (/^\d{1,15}$/.test(m) ? Number(m) : Number.NaN));
  if (numbers.every((n) => !Number.isNaN(n)) && isSequential(numbers))
    return {
      weakness: "sequential",
      bits,
      detail: `the values differ only by an incrementing number (steps ${steps(numbers).join(", ")})`,
    };
  const stamp = timestampIn(values, nowMs);
  if (stamp)
    return {
      weakness: "timestamp",
      bits,
      detail: `every value embeds the current time (${stamp})`,
    };
  if (bits < MIN_ENTROPY_BITS && prefix >= 8)
    return {
      weakness: "shared-prefix",
      bits,
      detail: `the values share their first ${prefix} characters and vary in ${varying} (about ${bits} bits)`,
    };
  if (bits < MIN_ENTROPY_BITS)
    return {
      weakness: "low-entropy",
      bits,
      detail: `about ${bits} bits of entropy per value (${varying} varying characters)`,
    };
  return undefined;
}

function commonPrefix(values: readonly string[]): number {
  const first = values[0] ?? "";
  let n = 0;
  while (n < first.length && values.every((v) => v[n] === first[n])) n++;
  return n;
}

function commonSuffix(values: readonly string[]): number {
  const first = values[0] ?? "";
  let n = 0;
  while (
    n < first.length &&
    values.every((v) => v.length > n && v[v.length - 1 - n] === first[first.length - 1 - n])
  )
    n++;
  return n;
}

/** Bits per character of the smallest usual alphabet that holds every character seen. */
function bitsPerChar(text: string): number {
  if (/^\d*$/.test(text)) return Math.log2(10);
  if (/^[0-9a-f]*$/.test(text) || /^[0-9A-F]*$/.test(text)) return 4;
  if (/^[0-9a-z]*$/i.test(text)) return Math.log2(62);
  return 6;
}

function steps(numbers: readonly number[]): number[] {
  return numbers.slice(1).map((n, i) => n - (numbers[i] as number));
}

// Consecutive logins of one scanner get nearby numbers from a counter; others log in between.
function isSequential(numbers: readonly number[]): boolean {
  const diffs = steps(numbers);
  return diffs.every((d) => d > 0 && d <= 1000) || diffs.every((d) => d < 0 && d >= -1000);
}

/** A Unix time in seconds or milliseconds (decimal), or hex seconds (ObjectId), within a day. */
function timestampIn(values: readonly string[], nowMs: number): string | undefined {
  const now = nowMs / 1000;
  const near = (seconds: number) => Math.abs(seconds - now) < DAY_SECONDS;
  const kinds = [
    {
      name: "Unix seconds",
      find: (v: string) => [...v.matchAll(/(?<!\d)\d{10}(?!\d)/g)].some((m) => near(Number(m[0]))),
    },
    {
      name: "Unix milliseconds",
      find: (v: string) =>
        [...v.matchAll(/(?<!\d)\d{13}(?!\d)/g)].some((m) => near(Number(m[0]) / 1000)),
    },
    {
      name: "hex seconds",
      find: (v: string) => /^[0-9a-f]{8}/i.test(v) && near(Number.parseInt(v.slice(0, 8), 16)),
    },
  ];
  return kinds.find((k) => values.every((v) => k.find(v)))?.name;
}
