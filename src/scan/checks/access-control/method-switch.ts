import { randomBytes, randomInt, randomUUID } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, ran, undescribed } from "../outcome.js";
import { mediaTypeOf, shapeOf } from "../parsers/documents.js";

/** Write methods tried on each item path, anonymously. */
const METHODS = ["DELETE", "PATCH", "PUT"] as const;

/** Item paths probed at most, in the order the scan learnt them. */
export const MAX_SWITCH_PATHS = 20;

/** An item path: its template and one concrete URL of it, with the last parameter's value. */
interface ItemPath {
  readonly path: string;
  readonly url: URL;
  /** The last path segment's example value, which the probe replaces by one that cannot exist. */
  readonly value: string;
}

/**
 * PROC-01 by switching the method (OWASP API5:2023, "switch GET to DELETE"): on each item path
 * (`/articles/{id}`), DELETE, PATCH and PUT are sent without credentials to an id of the same
 * shape that does not exist, so that nothing can change even where the flaw is. Where one write
 * method is refused (401 / 403) and another is not, the route checks the caller for some methods
 * only. "Not refused" needs proof that the request reached the operation's handler rather than
 * the router's own "no such route": a 2xx, or an answer that differs from the same method's
 * answer one segment deeper (a path no route serves).
 */
export const methodSwitchCheck: ScanCheck = {
  id: "proc-01-method-switch",
  items: ["PROC-01"],
  proves: [],
  severity: "high",
  // Sends DELETE, PATCH and PUT (to ids that do not exist): full profile only.
  intrusive: true,
  needs: ["operations"],
  title: "Write methods on an item need credentials alike",
  async run(context) {
    const paths = itemPaths(context.target.operations).slice(0, MAX_SWITCH_PATHS);
    if (paths.length === 0) return nothingOfTheKind(context, "no operation on a single item");
    const findings: Finding[] = [];
    let tried = 0;
    for (const item of paths) {
      const found = await probe(context, item);
      if (found === undefined) continue;
      tried++;
      findings.push(...found);
    }
    return ran(findings, covered(tried, paths.length, "item paths", undescribed(context)));
  },
};

/** One path per template whose last segment is a parameter, with a URL the scan has for it. */
function itemPaths(operations: readonly ScanOperation[]): ItemPath[] {
  const seen = new Map<string, ItemPath>();
  for (const op of operations) {
    const segments = op.path.replace(/\/+$/, "").split("/");
    if (!/^\{[^}]+\}$/.test(segments.at(-1) ?? "") || seen.has(op.path)) continue;
    let url: URL;
    try {
      url = new URL(op.url);
    } catch {
      continue;
    }
    const concrete = url.pathname.replace(/\/+$/, "").split("/");
    if (concrete.length !== segments.length) continue;
    seen.set(op.path, { path: op.path, url, value: concrete.at(-1) ?? "" });
  }
  return [...seen.values()];
}

/**
 * A value of the same shape as `example` that no object has: a router that only takes digits
 * (or a UUID, or an ObjectId) must still route it to the handler. Integers stay below 2^31 so
 * that a 32-bit id column does not overflow into a 500.
 */
export function ghostOf(example: string): string {
  if (/^\d+$/.test(example)) return String(2_146_000_000 + randomInt(1_000_000));
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(example))
    return randomUUID();
  if (/^[0-9a-f]{24}$/i.test(example)) return randomBytes(12).toString("hex");
  return `rampart-${randomBytes(5).toString("hex")}`;
}

async function probe(context: CheckContext, item: ItemPath): Promise<Finding[] | undefined> {
  const ghost = ghostOf(item.value);
  const slash = item.url.pathname.endsWith("/") ? "/" : "";
  const base = item.url.pathname.replace(/\/+$/, "").split("/").slice(0, -1).join("/");
  const deeper = `rampart-${randomBytes(4).toString("hex")}`;
  const at = (pathname: string) => {
    const url = new URL(item.url.href);
    url.pathname = pathname;
    url.search = "";
    return url.href;
  };
  const target = at(`${base}/${encodeURIComponent(ghost)}${slash}`);
  const unrouted = at(`${base}/${encodeURIComponent(ghost)}/${deeper}${slash}`);
  const send = (method: string, url: string) =>
    sendAs(context, undefined, {
      method,
      url,
      headers: {
        accept: "application/json",
        ...(method === "DELETE" ? {} : { "content-type": "application/json" }),
      },
      ...(method === "DELETE" ? {} : { body: "{}" }),
    });
  const answers = await Promise.all(METHODS.map((m) => send(m, target)));
  if (answers.some((a) => a === undefined)) return undefined;
  const refusedBy = METHODS.map((m, i) => ({ method: m, exchange: answers[i] as Exchange })).filter(
    (a) => a.exchange.status === 401 || a.exchange.status === 403,
  );
  const candidates = METHODS.map((m, i) => ({
    method: m,
    exchange: answers[i] as Exchange,
  })).filter((a) => a.exchange.status < 300 || a.exchange.status === 404);
  const refused = refusedBy[0];
  if (!refused || candidates.length === 0) return [];
  const findings: Finding[] = [];
  for (const { method, exchange } of candidates) {
    if (exchange.status >= 300) {
      const control = await send(method, unrouted);
      if (!control || sameAnswer(exchange, control, [`/${deeper}`, deeper, ghost])) continue;
    }
    findings.push(
      context.finding({
        title: "A write method on an item runs without credentials while another is refused",
        detail: `${method} ${item.path} without any credentials reached the operation (${exchange.status} for an id that does not exist, ${exchange.status < 300 ? "a success" : "not the router's answer to a path no route serves"}), while ${refused.method} on the same path was refused with ${refused.exchange.status}: the route checks the caller for some methods only, so an existing object may be changed or deleted by anyone. Nothing was changed: the id does not exist.`,
        exchange,
        body: true,
        subject: `${item.path}:${method}`,
      }),
    );
  }
  return findings;
}

/**
 * Whether two answers are the same page: status, media type and body alike once the parts that
 * name the request (the probe's path segments) and the numbers of the moment (times, request
 * ids) are masked.
 */
function sameAnswer(a: Exchange, b: Exchange, tokens: readonly string[]): boolean {
  return mediaTypeOf(a) === mediaTypeOf(b) && shapeOf(a, ...tokens) === shapeOf(b, ...tokens);
}
