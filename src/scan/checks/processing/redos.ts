import { performance } from "node:perf_hooks";
import type { Finding } from "../../../core/finding.js";
import { jsonObject } from "../../identities.js";
import type { CheckContext, ScanCheck, ScanOperation } from "../../types.js";
import { replaceStrings } from "../injection/points.js";
import { covered, nothingOfTheKind, ran, undescribed } from "../outcome.js";

/** Operations probed at most. */
export const MAX_REDOS_OPERATIONS = 3;

/**
 * Lengths of the repeated part, in order; the probe stops at the first answer slower than
 * {@link SLOW_MS}. Four more characters multiply a backtracking matcher's time by 3 to 16 and a
 * linear one's by about 1.1: the step before the stop stays well under the scan's timeout.
 */
export const REDOS_LENGTHS = [20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60, 64] as const;

/** An answer this slow, after the growth, ties up the server. */
export const SLOW_MS = 500;

/** Names of fields that servers check with a hand-written pattern: addresses above all. */
const PATTERN_FIELD = /e-?mail/i;

/**
 * An address the classic patterns accept up to its last character: a long top-level label and a
 * character no pattern allows. Nested quantifiers (`([a-z]{2,4})+$`, `(([a-z-])+\.)+`) try every
 * way to split the label before they give up (CWE-1333).
 */
export function evilAddress(length: number): string {
  return `rampart@rampart.${"a".repeat(length)}{`;
}

/**
 * PROC-07 by regular-expression denial of service: an address field gets addresses that grow
 * only in length, each time by a few characters. A matcher that backtracks takes exponentially
 * longer; once an answer takes over a second, a cheap read is sent while the same request runs
 * again. Slowness that grows that way with the input and holds other requests up is the
 * finding: the server does the work on the request path, for anyone who sends it. None of the
 * addresses is valid, so nothing is created.
 */
export const redosCheck: ScanCheck = {
  id: "proc-07-redos",
  items: ["PROC-07"],
  proves: [],
  severity: "medium",
  // Seconds of work on the target, by design.
  intrusive: true,
  // Alone, before the others: its proof is a timing, which their load would blur, and their
  // probes may leave the operation unanswered (a handler that hangs on a malformed body).
  runs: "first",
  needs: ["operations"],
  title: "Input never blocks the server (ReDoS)",
  async run(context) {
    const targets = context.target.operations
      // Creates only (sign-ups, logins, orders): an update could store the address on the
      // scan's own account if nothing checks it.
      .filter((op) => op.method === "POST" && bodyWith(op) !== undefined)
      .slice(0, MAX_REDOS_OPERATIONS);
    if (targets.length === 0)
      return nothingOfTheKind(context, "no operation takes an address in its body");
    const findings: Finding[] = [];
    let tried = 0;
    for (const op of targets) {
      const result = await probe(context, op);
      if (result.tried) tried++;
      if (result.finding) {
        findings.push(result.finding);
        break; // one blocked server is enough: each probe costs it seconds
      }
    }
    return ran(findings, covered(tried, targets.length, "operations", undescribed(context)));
  },
};

/** The operation's body with every address field set by `address`, as JSON or a form. */
function bodyWith(
  op: ScanOperation,
): ((address: string) => { type: string; body: string }) | undefined {
  const json = jsonObject(op.fullExampleBody ?? op.exampleBody ?? "");
  const filled = (address: string | undefined) => {
    let found = false;
    const body = replaceStrings(json ?? {}, (key, current) => {
      if (!PATTERN_FIELD.test(key)) return current;
      found = true;
      return address ?? current;
    });
    return { found, body };
  };
  if (json && filled(undefined).found)
    return (address) => ({
      type: "application/json",
      body: JSON.stringify(filled(address).body),
    });
  const form = op.exampleForm;
  if (form && Object.keys(form).some((k) => PATTERN_FIELD.test(k)))
    return (address) => ({
      type: "application/x-www-form-urlencoded",
      body: new URLSearchParams(
        Object.entries(form).map(([k, v]): [string, string] => [
          k,
          PATTERN_FIELD.test(k) ? address : v,
        ]),
      ).toString(),
    });
  return undefined;
}

async function probe(
  context: CheckContext,
  op: ScanOperation,
): Promise<{ tried: boolean; finding?: Finding }> {
  const make = bodyWith(op);
  if (!make) return { tried: false };
  const send = async (length: number) => {
    const { type, body } = make(evilAddress(length));
    const started = performance.now();
    const exchange = await context.http.trySend({
      method: op.method,
      url: op.url,
      headers: { accept: "application/json", "content-type": type },
      body,
      anonymous: true,
    });
    return { length, exchange, ms: performance.now() - started };
  };
  const times: { length: number; ms: number }[] = [];
  for (const length of REDOS_LENGTHS) {
    const answer = await send(length);
    times.push({ length, ms: answer.ms });
    if (!answer.exchange && answer.ms < SLOW_MS) return { tried: times.length > 1 };
    if (answer.ms >= SLOW_MS) break;
  }
  const [first, previous, last] = [times[0], times.at(-2), times.at(-1)];
  if (!first || !previous || !last || last.ms < SLOW_MS) return { tried: true };
  // Exponential, not linear: four more characters (under a tenth of the body) at least doubled
  // the time, and the slow answer is far slower than the first.
  if (last.ms < 2 * previous.ms || last.ms < 20 * Math.max(first.ms, 5)) return { tried: true };
  // Does it hold others up? The same request again, and a cheap read once it is under way.
  const again = send(last.length);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const readStarted = performance.now();
  const read = await context.http.trySend({ url: context.target.base.href, anonymous: true });
  const waited = performance.now() - readStarted;
  const repeat = await again;
  if (!read || repeat.ms < SLOW_MS || waited < Math.min(repeat.ms, SLOW_MS) / 2)
    return { tried: true };
  const steps = times.map((t) => `${t.length}: ${Math.round(t.ms)} ms`).join(", ");
  return {
    tried: true,
    finding: context.finding({
      title: "An address blocks the server (ReDoS)",
      detail: `${op.method} ${op.path} took ${Math.round(repeat.ms)} ms for an invalid address whose top-level label is ${last.length} characters long, and the time grew with the length (${steps}): its address pattern backtracks exponentially (CWE-1333). Meanwhile a plain read of the root waited ${Math.round(waited)} ms: the work runs where requests are served, so a few such requests stop the API for everyone.`,
      ...(repeat.exchange ? { exchange: repeat.exchange } : {}),
      evidence: {
        request: `${op.method} ${op.path} HTTP/1.1 (address "${evilAddress(last.length)}")`,
        note: `answer times by label length: ${steps}; a concurrent GET ${context.target.base.pathname} waited ${Math.round(waited)} ms`,
      },
      subject: `${op.path}:redos`,
    }),
  };
}
