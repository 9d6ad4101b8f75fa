import { randomBytes } from "node:crypto";
import type { Catalog } from "../catalog/catalog.js";
import type { ItemId } from "../catalog/ids.js";
import { RampartError } from "../core/errors.js";
import type { CheckCoverage, Finding } from "../core/finding.js";
import { redact } from "../core/redact.js";
import {
  buildReport,
  type CheckRun,
  type ItemOutcome,
  type Report,
  type SuppressedFinding,
} from "../core/report.js";
import { type Severity, severityRank } from "../core/severity.js";
import { DEFAULT_VOCABULARY } from "../vocabulary/vocabulary.js";
import { credentialHeaders, type LoggedIn, performLogin, type Sender } from "./auth/login.js";
import type { LoginRecipe } from "./auth/schema.js";
import { authOfHeaders, authOfSession, discoverLogin, logInOrThrow } from "./auth/session.js";
import { createBudget } from "./budget.js";
import { isWhole } from "./checks/outcome.js";
import { discoverTarget } from "./discovery.js";
import { buildFinding } from "./evidence.js";
import { createHttpLayer, type HttpLayer, type OwnerStats } from "./http.js";
import { operationNamer } from "./operation-match.js";
import { resolveScanOptions, type ScanOptions } from "./options.js";
import { restoreOwnRecords, snapshotOwnRecords } from "./own-record.js";
import { createPassiveCollector, type PassiveCollector } from "./passive.js";
import { type ScanProgress, SILENT_PROGRESS } from "./progress.js";
import { apiResponses } from "./responses.js";
import type { CheckContext, CheckOutcome, ScanCheck, ScanOperation, ScanTarget } from "./types.js";

export interface ScanDependencies {
  readonly catalog: Catalog;
  /** The checks to run (default: every registered check). */
  readonly checks: readonly ScanCheck[];
  readonly progress?: ScanProgress;
  readonly now?: () => Date;
  /**
   * Sets accepted findings apart before the report is built (the config's `ignore:` entries):
   * they are listed in `report.suppressed`, out of the items and the score.
   */
  readonly suppress?: (findings: readonly Finding[]) => {
    readonly kept: readonly Finding[];
    readonly suppressed: readonly SuppressedFinding[];
  };
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
  const passive = createPassiveCollector(deps.checks);
  // Set once the scan has logged in: logs in again when a token expires mid-scan.
  let relogin: (() => Promise<boolean>) | undefined;
  const http = createHttpLayer({
    base: opts.target,
    scope: opts.scope,
    budget,
    timeoutMs: opts.timeoutMs,
    headers: credentials,
    signal: opts.signal,
    onRequest: () => progress.request(),
    onExchange: (exchange, owner) => passive.observe(exchange, owner),
    onUnauthorized: () => relogin?.() ?? Promise.resolve(false),
    measuresThrottling: new Set(deps.checks.filter((c) => c.measuresThrottling).map((c) => c.id)),
    ...(opts.proxy !== undefined ? { proxy: opts.proxy } : {}),
    ...(opts.proxyCa !== undefined ? { proxyCa: opts.proxyCa } : {}),
  });
  const anonymous: Sender = (request) => http.send({ ...request, anonymous: true });
  const records = new Map<string, CheckRecord>();
  const findings: Finding[] = [];
  const memo = new Map<string, Promise<unknown>>();
  let discoveryCutShort = false;
  let authentication: string | undefined;
  let notes: readonly string[] = [];
  const useSession = (session: LoggedIn, recipe: LoginRecipe) => {
    for (const key of Object.keys(credentials)) delete credentials[key];
    Object.assign(credentials, opts.headers, credentialHeaders(session));
    relogin = reloginOnce(anonymous, recipe, (fresh) => {
      for (const key of Object.keys(credentials)) delete credentials[key];
      Object.assign(credentials, opts.headers, credentialHeaders(fresh));
    });
    return authOfSession(session, recipe);
  };
  try {
    const session = opts.login
      ? await logInOrThrow(anonymous, opts.login, { signal: opts.signal })
      : undefined;
    const auth =
      session && opts.login ? useSession(session, opts.login) : authOfHeaders(credentials);
    authentication = session?.described ?? auth?.described;
    const zeroConfig = !session && !auth ? opts.config?.credentials : undefined;
    const discovered = await discoverTarget(opts.target, http, {
      ...(opts.openapi !== undefined ? { openapi: opts.openapi } : {}),
      ...(opts.postman !== undefined ? { postman: opts.postman } : {}),
      ...(opts.har !== undefined ? { har: opts.har } : {}),
      ...(opts.basePath !== undefined ? { basePath: opts.basePath } : {}),
      cwd: opts.cwd,
      authenticated: Object.keys(credentials).length > 0,
      ...(session ? { login: session.exchange } : {}),
      ...(auth ? { auth } : {}),
      ...(zeroConfig
        ? {
            authenticate: async (operations: readonly ScanOperation[]) => {
              const found = await discoverLogin(anonymous, operations, zeroConfig);
              if (!found)
                throw new RampartError(
                  "ERR_LOGIN_FAILED",
                  "login: scan.credentials were given, but no login operation of the document (nor at the common paths) took them",
                );
              authentication = `found by itself: ${found.session.described}`;
              return {
                exchange: found.session.exchange,
                auth: useSession(found.session, found.recipe),
              };
            },
          }
        : {}),
    });
    const target = opts.behindTlsProxy ? { ...discovered, behindTlsProxy: true } : discovered;
    discoveryCutShort = budget.refusals > 0 || http.lost !== undefined;
    notes = target.notes ?? [];
    passive.start(target);
    progress.start(deps.checks.length);
    const run = async (check: ScanCheck) => {
      const record = await runCheck(check, target, http, deps.catalog, opts, memo, passive);
      budget.close(check.id);
      records.set(check.id, record);
      findings.push(...record.findings);
      progress.checkDone(check.id);
    };
    // Active checks share the budget; passive ones read what every request brought back.
    const active = deps.checks.filter((c) => c.inspect === undefined);
    // Intrusive checks probe through the caller's own profile update: the scan puts it back.
    const intrusive =
      opts.profile === "full" && active.some((c) => c.intrusive) && target.authenticated;
    const snapshots = intrusive
      ? await snapshotOwnRecords(http, target.operations, target.loginFields)
      : [];
    budget.open(active.map((c) => c.id));
    // A probe that renames the caller (an injection in its user name) would hide it from a
    // check that reads it back by name: those checks go first, one at a time. A burst that may
    // throttle the logins goes last, when every identity has logged in and every check is done.
    for (const check of active.filter((c) => c.runs === "first")) await run(check);
    await Promise.all(active.filter((c) => c.runs === undefined).map(run));
    for (const check of active.filter((c) => c.runs === "last")) await run(check);
    if (snapshots.length > 0)
      notes = [
        ...notes,
        ...(await restoreOwnRecords(http, snapshots).catch(() => [
          "the scan's own account may have been changed by its probes and could not be checked (the request budget was spent): check the test account",
        ])),
      ];
    await Promise.all(deps.checks.filter((c) => c.inspect !== undefined).map(run));
  } catch (error) {
    if (!opts.signal.aborted) throw error;
  } finally {
    progress.end(http.requests);
    await http.close();
  }
  const order = new Map(deps.checks.map((c, i) => [c.id, i]));
  const runs = [...records.values()]
    .map((r) => (r.stats.sent > 0 ? { ...r.run, requests: r.stats.sent } : r.run))
    .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
  findings.sort((a, b) => a.id.localeCompare(b.id));
  const stops = {
    ...(http.lost !== undefined
      ? {
          targetLost: `the target stopped answering (${http.lost}) after ${http.requests} requests`,
        }
      : {}),
    ...(budget.refusals > 0 ? { budgetSpent: true } : {}),
  };
  const all = dedupe(findings);
  const { kept, suppressed } = deps.suppress?.(all) ?? { kept: all, suppressed: [] };
  return buildReport(
    {
      kind: "scan",
      target: opts.target.href.replace(/\/$/, ""),
      startedAt: startedAt.toISOString(),
      durationMs: Math.round(performance.now() - startedMs),
      requests: http.requests,
      ...(authentication !== undefined ? { authentication: redact(authentication) } : {}),
      ...(notes.length > 0 ? { notes: notes.map((n) => redact(n)) } : {}),
      findings: [...kept],
      ...(suppressed.length > 0 ? { suppressed } : {}),
      checks: runs,
    },
    deps.catalog,
    itemOutcomes(deps.checks, records, {
      interrupted: opts.signal.aborted,
      discoveryCutShort,
    }),
    stops,
  );
}

/** How one check ended, what it found, and what its requests came to. */
export interface CheckRecord {
  readonly outcome: CheckOutcome;
  readonly run: CheckRun;
  readonly findings: readonly Finding[];
  readonly stats: Readonly<OwnerStats>;
}

async function runCheck(
  check: ScanCheck,
  target: ScanTarget,
  layer: HttpLayer,
  catalog: Catalog,
  opts: ReturnType<typeof resolveScanOptions>,
  memo: Map<string, Promise<unknown>>,
  passive: PassiveCollector,
): Promise<CheckRecord> {
  const http = layer.view(check.id);
  const skip = (status: "not_tested" | "not_applicable", reason: string): CheckRecord => ({
    outcome: { status, reason } as CheckOutcome,
    run: { id: check.id, status, reason },
    findings: [],
    stats: http.stats,
  });
  if (check.intrusive && opts.profile === "safe")
    return skip("not_tested", "intrusive check: runs with --profile full");
  for (const need of check.needs) {
    if (need === "https" && target.base.protocol !== "https:")
      return skip("not_applicable", "the target is plain HTTP (scan its https:// URL)");
    if (need === "operations" && target.operations.length === 0)
      return skip(
        "not_tested",
        "no operation known: no OpenAPI document found and nothing to crawl (give --openapi, --postman or --har)",
      );
    if (need === "api-responses" && apiResponses(target).length === 0)
      return skip("not_tested", "no API response observed (give --openapi or a JSON endpoint)");
    if (need === "auth" && !target.authenticated)
      return skip("not_tested", "needs credentials (--bearer, --header or a login recipe)");
  }
  // Findings are kept as soon as they are built: a check that runs out of budget (or whose
  // target dies) after observing a flaw still reports it.
  const observed: Finding[] = [];
  const nameOperation = operationNamer(target.base, target.operations);
  const context: CheckContext = {
    target,
    http,
    catalog,
    profile: opts.profile,
    signal: opts.signal,
    ...(opts.config ? { config: opts.config } : {}),
    vocabulary: opts.vocabulary ?? DEFAULT_VOCABULARY,
    randomPath: (prefix = "/") => `${prefix}rampart-${randomBytes(6).toString("hex")}`,
    finding: (input) => {
      const finding = buildFinding(check, catalog, target.base, input, nameOperation);
      observed.push(finding);
      return finding;
    },
    shared: <T>(key: string, probe: () => Promise<T>): Promise<T> => {
      let promise = memo.get(key) as Promise<T> | undefined;
      if (!promise) {
        promise = probe();
        memo.set(key, promise);
      }
      return promise;
    },
    passive: passive.view(check.id),
  };
  try {
    const result = await check.run(context);
    // Probes the budget refused were answered by nobody: that, not the check's guess, is why.
    const outcome: CheckOutcome =
      result.outcome.status === "not_tested" && http.stats.refused > 0
        ? { status: "not_tested", reason: "request budget exhausted (--max-requests)" }
        : result.outcome;
    return {
      outcome,
      run: {
        id: check.id,
        status: outcome.status,
        ...(outcome.status === "ran" ? {} : { reason: outcome.reason }),
      },
      findings: result.findings,
      stats: http.stats,
    };
  } catch (error) {
    const kept = (record: CheckRecord): CheckRecord => ({ ...record, findings: observed });
    if (error instanceof RampartError && error.code === "ERR_SCAN_BUDGET")
      return kept(skip("not_tested", "request budget exhausted (--max-requests)"));
    if (error instanceof RampartError && error.code === "ERR_TARGET_UNREACHABLE")
      return kept(skip("not_tested", `no answer from the target (${error.message})`));
    if (opts.signal.aborted) return kept(skip("not_tested", "the scan was interrupted"));
    const message = error instanceof Error ? error.message : String(error);
    return {
      outcome: { status: "not_tested", reason: `check ${check.id} failed` },
      run: { id: check.id, status: "error", reason: redact(message.split("\n")[0] ?? "") },
      findings: observed,
      stats: http.stats,
    };
  }
}

/**
 * What each check did for each item, and the item's outcome from its decisive checks: `pass`
 * needs every decisive check to have run on its whole surface (or not to apply), with every
 * probe answered, or one whole result that settles the item alone; a decisive check that ran on
 * part of it makes the item `partial`; hints alone never pass an item.
 */
export function itemOutcomes(
  checks: readonly ScanCheck[],
  records: ReadonlyMap<string, CheckRecord>,
  state: { readonly interrupted: boolean; readonly discoveryCutShort: boolean },
): Map<ItemId, ItemOutcome> {
  const byItem = new Map<ItemId, { entry: CheckCoverage; cutShort: boolean }[]>();
  const worst = new Map<ItemId, Severity>();
  for (const check of checks) {
    const record = records.get(check.id);
    const outcome: CheckOutcome = record?.outcome ?? {
      status: "not_tested",
      reason: state.interrupted ? "the scan was interrupted" : "did not run",
    };
    const stats = record?.stats;
    const cutShort =
      state.discoveryCutShort ||
      (stats !== undefined && (stats.refused > 0 || stats.lost > 0)) ||
      (outcome.status === "not_tested" && /budget|interrupted|no answer/.test(outcome.reason));
    for (const item of check.items) {
      const entry = coverageEntry(check, item, outcome, record?.run.status, stats, cutShort);
      byItem.set(item, [...(byItem.get(item) ?? []), { entry, cutShort }]);
      const severity = check.maxSeverity ?? check.severity;
      const current = worst.get(item);
      if (!current || severityRank(severity) > severityRank(current)) worst.set(item, severity);
    }
  }
  const result = new Map<ItemId, ItemOutcome>();
  for (const [item, list] of byItem) {
    const coverage = list.map((l) => l.entry);
    const common = {
      coverage,
      ...(list.some((l) => l.cutShort) ? { cutShort: true } : {}),
      ...(worst.has(item) ? { worstPossible: worst.get(item) as Severity } : {}),
    };
    const decisive = coverage.filter((c) => c.decisive);
    const ranDecisive = decisive.filter((c) => c.status === "ran");
    if (ranDecisive.length === 0) {
      if (decisive.length > 0 && decisive.every((c) => c.status === "not_applicable")) {
        result.set(item, {
          ran: false,
          notApplicable: true,
          reason: reasonOf(decisive),
          ...common,
        });
        continue;
      }
      const hinted = coverage.filter((c) => !c.decisive && c.status === "ran");
      const reason =
        decisive.length === 0
          ? "no check can prove it from outside"
          : hinted.length > 0
            ? `${reasonOf(decisive)}; only indirect checks ran (${hinted.map((c) => c.check).join(", ")})`
            : reasonOf(decisive);
      result.set(item, { ran: false, reason, ...common });
      continue;
    }
    const settled = decisive.some((c) => c.complete && c.settles);
    const short = settled
      ? []
      : decisive.filter((c) => c.status !== "not_applicable" && !c.complete);
    result.set(item, {
      ran: true,
      ...(short.length > 0 ? { partial: short.map(describeGap).join("; ") } : {}),
      ...common,
    });
  }
  return result;
}

function coverageEntry(
  check: ScanCheck,
  item: ItemId,
  outcome: CheckOutcome,
  status: CheckRun["status"] | undefined,
  stats: Readonly<OwnerStats> | undefined,
  cutShort: boolean,
): CheckCoverage {
  const unanswered = stats?.unanswered ?? 0;
  const base = {
    check: check.id,
    decisive: check.proves.includes(item),
    status: status ?? outcome.status,
    ...(unanswered > 0 ? { unanswered } : {}),
  };
  if (outcome.status !== "ran") return { ...base, complete: false, note: outcome.reason };
  const { surface } = outcome;
  const gaps = [
    ...(surface.gaps ?? []),
    ...(unanswered > 0 ? [`${unanswered} of ${stats?.sent ?? 0} requests got no answer`] : []),
    ...(cutShort ? ["cut short by the request budget or a lost target"] : []),
  ];
  return {
    ...base,
    probed: surface.probed,
    of: surface.of,
    unit: surface.unit,
    ...(surface.identities !== undefined ? { identities: surface.identities } : {}),
    complete: isWhole(surface) && gaps.length === 0,
    ...(surface.settles ? { settles: true } : {}),
    ...(gaps.length > 0 ? { note: gaps.join("; ") } : {}),
    ...(surface.observed !== undefined ? { observed: redact(surface.observed) } : {}),
  };
}

function describeGap(c: CheckCoverage): string {
  if (c.status !== "ran") return `${c.check}: not tested (${c.note ?? "did not run"})`;
  const extent = c.of !== undefined ? `${c.probed} of ${c.of} ${c.unit}` : "ran";
  return `${c.check}: ${extent}${c.note ? ` (${c.note})` : ""}`;
}

function reasonOf(entries: readonly CheckCoverage[]): string {
  return entries.find((e) => e.status === "not_tested")?.note ?? entries[0]?.note ?? "no check ran";
}

function dedupe(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (seen.has(f.id)) return false;
    seen.add(f.id);
    return true;
  });
}

/**
 * A re-login for a token that expired mid-scan (a 401 to the scan's credentials): one at a time,
 * and at most {@link MAX_RELOGINS} per scan, so that operations that always answer 401 (an admin
 * area) cannot turn the scan into a login loop.
 */
function reloginOnce(
  send: Sender,
  recipe: LoginRecipe,
  apply: (session: LoggedIn) => void,
): () => Promise<boolean> {
  let count = 0;
  let running: Promise<boolean> | undefined;
  return () => {
    if (running) return running;
    if (count >= MAX_RELOGINS) return Promise.resolve(false);
    count++;
    running = performLogin(send, recipe)
      .then((attempt) => {
        if (attempt.ok) apply(attempt.session);
        return attempt.ok;
      })
      .catch(() => false)
      .finally(() => {
        running = undefined;
      });
    return running;
  };
}

/** Re-logins per scan at most. */
export const MAX_RELOGINS = 3;
