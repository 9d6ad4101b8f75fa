import { normalisePath, operationMatcher } from "./operation-match.js";
import type {
  Exchange,
  ExchangeMeta,
  PassiveHit,
  PassiveRecord,
  ScanCheck,
  ScanOperation,
  ScanTarget,
} from "./types.js";

/** Hits kept per passive check: enough evidence, bounded memory on any API. */
export const MAX_HITS_PER_CHECK = 200;

/** Feeds every answered exchange of a scan to the passive checks. */
export interface PassiveCollector {
  observe(exchange: Exchange, owner: string): void;
  /** Discovery is done: exchanges can be placed on operations (earlier ones are replayed). */
  start(target: ScanTarget): void;
  /** What one passive check saw; undefined for active checks. */
  view(checkId: string): PassiveRecord | undefined;
}

interface Slot {
  readonly check: ScanCheck;
  readonly hits: Map<string, PassiveHit>;
  readonly examined: Set<string>;
  readonly examinedDocumented: Set<string>;
  responses: number;
}

/**
 * Runs the passive checks over everything a scan receives, as it arrives, the way ZAP's passive
 * rules do: each check judges each exchange and keeps the first problem per (operation, subject)
 * with its exchange as evidence. Nothing else is kept, so memory stays bounded whatever the
 * scan's size. Exchanges that arrive before discovery knows the operations wait for it.
 *
 * @example
 * ```ts
 * const passive = createPassiveCollector(SCAN_CHECKS);
 * const http = createHttpLayer({ ..., onExchange: (e, owner) => passive.observe(e, owner) });
 * passive.start(await discoverTarget(base, http, options));
 * ```
 */
export function createPassiveCollector(checks: readonly ScanCheck[]): PassiveCollector {
  const slots = checks
    .filter((c) => c.inspect !== undefined)
    .map(
      (check): Slot => ({
        check,
        hits: new Map(),
        examined: new Set(),
        examinedDocumented: new Set(),
        responses: 0,
      }),
    );
  let place: ((exchange: Exchange, owner: string) => ExchangeMeta) | undefined;
  const early: [Exchange, string][] = [];
  const answeredDocumented = new Set<string>();

  const judge = (exchange: Exchange, owner: string): void => {
    if (!place) return;
    const meta = place(exchange, owner);
    if (meta.documented) answeredDocumented.add(meta.operation);
    for (const slot of slots) {
      if (slot.check.examines && !slot.check.examines(exchange, meta)) continue;
      slot.responses++;
      slot.examined.add(meta.operation);
      if (meta.documented) slot.examinedDocumented.add(meta.operation);
      for (const problem of slot.check.inspect?.(exchange, meta) ?? []) {
        const key = `${meta.operation} ${problem.subject}`;
        if (slot.hits.has(key) || slot.hits.size >= MAX_HITS_PER_CHECK) continue;
        slot.hits.set(key, {
          operation: meta.operation,
          documented: meta.documented,
          exchange,
          problem,
        });
      }
    }
  };

  return {
    observe(exchange, owner) {
      if (slots.length === 0) return;
      if (place) judge(exchange, owner);
      else early.push([exchange, owner]);
    },
    start(target) {
      place = placer(target);
      for (const [exchange, owner] of early.splice(0)) judge(exchange, owner);
    },
    view(checkId) {
      const slot = slots.find((s) => s.check.id === checkId);
      if (!slot) return undefined;
      return {
        hits: [...slot.hits.values()],
        examined: slot.examined,
        examinedDocumented: slot.examinedDocumented,
        answeredDocumented,
        responses: slot.responses,
      };
    },
  };
}

/** Places exchanges on the documented operations of the target, or on a normalised path. */
function placer(target: ScanTarget): (exchange: Exchange, owner: string) => ExchangeMeta {
  const matchOperation = operationMatcher(target.operations);
  // The standard carriers, and the header the scan's own credential travels in (a custom
  // `Authorization-Token`, an `X-API-Key`).
  const credentialHeaders = new Set([
    "authorization",
    "cookie",
    ...Object.keys(target.auth?.withToken("x") ?? {}).map((name) => name.toLowerCase()),
  ]);
  const token = target.auth?.token;
  const documentUrl = urlOf(target.documentSource);
  return (exchange, owner) => {
    const url = new URL(exchange.url);
    const op = matchOperation(exchange.method, url);
    const authenticated = Object.keys(exchange.requestHeaders).some((name) =>
      credentialHeaders.has(name.toLowerCase()),
    );
    const issuesCredential = issues(exchange, token);
    const description = exchange.url === documentUrl;
    const flags = {
      authenticated,
      ...(issuesCredential ? { issuesCredential } : {}),
      ...(description ? { description } : {}),
      owner,
    };
    if (op) {
      return {
        operation: operationKey(op),
        documented: isDocumented(op),
        secured: op.secured,
        ...flags,
      };
    }
    return {
      operation: `${exchange.method} ${normalisePath(url.pathname)}`,
      documented: false,
      secured: false,
      ...flags,
    };
  };
}

/** The href of an absolute URL, or undefined for a file path. */
function urlOf(source: string | undefined): string | undefined {
  try {
    return source === undefined ? undefined : new URL(source).href;
  } catch {
    return undefined;
  }
}

/** A successful answer that carries the credential in its body or a cookie it sets. */
function issues(exchange: Exchange, token: string | undefined): boolean {
  if (token === undefined || token.length < 8 || exchange.status < 200 || exchange.status >= 300)
    return false;
  return exchange.body.includes(token) || (exchange.headers["set-cookie"] ?? "").includes(token);
}

/** The operation comes from the API description (not a collection, a recording or a crawl). */
export function isDocumented(op: Pick<ScanOperation, "source">): boolean {
  return op.source === undefined || op.source === "document";
}

/**
 * `GET /api/users/{id}`: how passive findings and coverage name an operation.
 *
 * @example
 * ```ts
 * operationKey({ method: "GET", path: "/api/users/{id}" }); // "GET /api/users/{id}"
 * ```
 */
export function operationKey(op: Pick<ScanOperation, "method" | "path">): string {
  return `${op.method} ${op.path}`;
}
