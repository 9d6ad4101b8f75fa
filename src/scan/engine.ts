import { randomBytes } from "node:crypto";
import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import { RampartError } from "../core/errors.js";
import type { Finding } from "../core/finding.js";
import { redact } from "../core/redact.js";
import { buildReport, type CheckRun, type ItemOutcome, type Report } from "../core/report.js";
import { createBudget } from "./budget.js";
import { discoverTarget } from "./discovery.js";
import { buildFinding } from "./evidence.js";
import { createHttpLayer } from "./http.js";
import { resolveScanOptions, type ScanOptions } from "./options.js";
import { type ScanProgress, SILENT_PROGRESS } from "./progress.js";
import { apiResponses } from "./responses.js";
import type { CheckContext, CheckOutcome, Exchange, ScanCheck, ScanTarget } from "./types.js";

export interface ScanDependencies {
  readonly catalog: Catalog;
  /** The checks to run (default: every registered check). */
  readonly checks: readonly ScanCheck[];
  readonly progress?: ScanProgress;
  readonly now?: () => Date;
  /** Drops accepted findings before the report is built (the config's `ignore:` entries). */
  readonly suppress?: (findings: readonly Finding[]) => readonly Finding[];
}

/**
 * Runs one scan: validates the options, discovers the target, runs every check concurrently
 * within the budget, and builds the report. A check that throws becomes an `error` entry in
 * `report.checks`; an aborted signal (Ctrl-C) yields the partial report of what finished.
 * Throws ERR_USAGE for bad options and ERR_TARGET_UNREACHABLE when the target does not answer.
 *
 * @example
 * ```ts
 * const report = await runScan({ target: "http://127.0.0.1:8088" }, { catalog: loadCatalog(), checks: SCAN_CHECKS });
 * report.grade; // "F"
 * ```
 */
export async function runScan(options: ScanOptions, deps: ScanDependencies): Promise<Report> {
  const opts = resolveScanOptions(options);
  const now = deps.now ?? (() => new Date());
  const progress = deps.progress ?? SILENT_PROGRESS;
  const startedAt = now();
  const startedMs = performance.now();
  const budget = createBudget({
    maxRequests: opts.maxRequests,
    concurrency: opts.concurrency,
    ...(opts.rate !== undefined ? { rate: opts.rate } : {}),
  });
  const credentials: Record<string, string> = { ...opts.headers };
  const http = createHttpLayer({
    base: opts.target,
    scope: opts.scope,
    budget,
    timeoutMs: opts.timeoutMs,
    headers: credentials,
    signal: opts.signal,
    onRequest: () => progress.request(),
  });
  const runs: CheckRun[] = [];
  const outcomes = new Map<string, CheckOutcome>();
  const findings: Finding[] = [];
  const memo = new Map<string, Promise<unknown>>();
  try {
    const login = opts.login ? await logIn(http, opts.login, credentials) : undefined;
    const target = await discoverTarget(opts.target, http, {
      ...(opts.openapi !== undefined ? { openapi: opts.openapi } : {}),
      cwd: opts.cwd,
      authenticated: Object.keys(credentials).length > 0,
      ...(login ? { login } : {}),
    });
    progress.start(deps.checks.length);
    await Promise.all(
      deps.checks.map(async (check) => {
        const outcome = await runCheck(check, target, http, deps.catalog, opts, findings, memo);
        outcomes.set(check.id, outcome.outcome);
        runs.push(outcome.run);
        progress.checkDone(check.id);
      }),
    );
  } catch (error) {
    if (!opts.signal.aborted) throw error;
  } finally {
    progress.end(http.requests);
    await http.close();
  }
  const order = new Map(deps.checks.map((c, i) => [c.id, i]));
  runs.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  findings.sort((a, b) => a.id.localeCompare(b.id));
  return buildReport(
    {
      kind: "scan",
      target: opts.target.href.replace(/\/$/, ""),
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - startedMs),
      requests: http.requests,
      findings: deps.suppress ? [...deps.suppress(dedupe(findings))] : dedupe(findings),
      checks: runs,
    },
    deps.catalog,
    itemOutcomes(deps.checks, outcomes, opts.signal.aborted),
  );
}

async function runCheck(
  check: ScanCheck,
  target: ScanTarget,
  http: ReturnType<typeof createHttpLayer>,
  catalog: Catalog,
  opts: ReturnType<typeof resolveScanOptions>,
  sink: Finding[],
  memo: Map<string, Promise<unknown>>,
): Promise<{ outcome: CheckOutcome; run: CheckRun }> {
  const skip = (status: "not_tested" | "not_applicable", reason: string) => ({
    outcome: { status, reason } as CheckOutcome,
    run: { id: check.id, status, reason },
  });
  if (check.intrusive && opts.profile === "safe")
    return skip("not_tested", "intrusive check: runs with --profile full");
  for (const need of check.needs) {
    if (need === "https" && target.base.protocol !== "https:")
      return skip("not_applicable", "the target is plain HTTP (scan its https:// URL)");
    if (need === "operations" && target.operations.length === 0)
      return skip("not_tested", "no OpenAPI document found (give one with --openapi)");
    if (need === "api-responses" && apiResponses(target).length === 0)
      return skip("not_tested", "no API response observed (give --openapi or a JSON endpoint)");
    if (need === "auth" && !target.authenticated)
      return skip("not_tested", "needs credentials (--bearer, --header or a login recipe)");
  }
  const context: CheckContext = {
    target,
    http,
    catalog,
    profile: opts.profile,
    signal: opts.signal,
    ...(opts.config ? { config: opts.config } : {}),
    randomPath: (prefix = "/") => `${prefix}rampart-${randomBytes(6).toString("hex")}`,
    finding: (input) => buildFinding(check, catalog, target.base, input),
    shared: <T>(key: string, probe: () => Promise<T>): Promise<T> => {
      let promise = memo.get(key) as Promise<T> | undefined;
      if (!promise) {
        promise = probe();
        memo.set(key, promise);
      }
      return promise;
    },
  };
  try {
    const result = await check.run(context);
    sink.push(...result.findings);
    return {
      outcome: result.outcome,
      run: {
        id: check.id,
        status: result.outcome.status,
        ...(result.outcome.status === "ran" ? {} : { reason: result.outcome.reason }),
      },
    };
  } catch (error) {
    if (error instanceof RampartError && error.code === "ERR_SCAN_BUDGET")
      return skip("not_tested", "request budget exhausted (--max-requests)");
    if (opts.signal.aborted) return skip("not_tested", "the scan was interrupted");
    const message = error instanceof Error ? error.message : String(error);
    const outcome: CheckOutcome = { status: "not_tested", reason: `check ${check.id} failed` };
    return {
      outcome,
      run: { id: check.id, status: "error", reason: redact(message.split("\n")[0] ?? "") },
    };
  }
}

/** One item: passes when any check of it ran; not applicable when every check said so. */
function itemOutcomes(
  checks: readonly ScanCheck[],
  outcomes: ReadonlyMap<string, CheckOutcome>,
  interrupted: boolean,
): Map<ItemId, ItemOutcome> {
  const byItem = new Map<ItemId, CheckOutcome[]>();
  for (const check of checks) {
    const outcome = outcomes.get(check.id) ?? {
      status: "not_tested",
      reason: interrupted ? "the scan was interrupted" : "did not run",
    };
    for (const item of check.items) byItem.set(item, [...(byItem.get(item) ?? []), outcome]);
  }
  const result = new Map<ItemId, ItemOutcome>();
  for (const [item, list] of byItem) {
    if (list.some((o) => o.status === "ran")) result.set(item, { ran: true });
    else if (list.every((o) => o.status === "not_applicable"))
      result.set(item, { ran: false, notApplicable: true, reason: reasonOf(list[0]) });
    else
      result.set(item, {
        ran: false,
        reason: reasonOf(list.find((o) => o.status === "not_tested")),
      });
  }
  return result;
}

function reasonOf(outcome: CheckOutcome | undefined): string {
  return outcome && outcome.status !== "ran" ? outcome.reason : "no check ran";
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (seen.has(f.id)) return false;
    seen.add(f.id);
    return true;
  });
}

async function logIn(
  http: ReturnType<typeof createHttpLayer>,
  recipe: NonNullable<ReturnType<typeof resolveScanOptions>["login"]>,
  credentials: Record<string, string>,
): Promise<Exchange> {
  const exchange = await http.send({
    method: "POST",
    url: recipe.path,
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(recipe.body),
    anonymous: true,
  });
  let token: unknown;
  try {
    token = (JSON.parse(exchange.body) as Record<string, unknown>)[
      recipe.tokenField ?? "access_token"
    ];
  } catch {
    token = undefined;
  }
  if (exchange.status >= 300 || typeof token !== "string") {
    throw new RampartError(
      "ERR_USAGE",
      `login recipe: POST ${recipe.path} answered ${exchange.status} without a token in "${recipe.tokenField ?? "access_token"}"`,
    );
  }
  credentials.authorization = `Bearer ${token}`;
  return exchange;
}
