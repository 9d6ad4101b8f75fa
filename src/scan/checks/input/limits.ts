import type { Finding } from "../../../core/finding.js";
import { isObject, parseJson } from "../../discovery.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { objectsOf } from "../access-control/objects.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";

/** A body no JSON API needs: 4 MiB of padding in one string field. */
export const LARGE_BODY_BYTES = 4 * 1024 * 1024;
/** Nesting no JSON API needs: arrays 10,000 deep (about 20 KB). */
export const DEEP_NESTING = 10_000;
/** A page size no collection should grant. */
export const HUGE_PAGE = 100_000;
/** Objects in one page that no cap would allow. */
export const UNCAPPED_AT = 1000;
/** Operations of each kind probed at most. */
export const MAX_LIMIT_PROBES = 3;

/** Query parameters that set a page size. */
const PAGE_SIZE =
  /^(limit|per_?page|page_?size|size|count|top|take|max|max_?results|page\[size\])$/i;
/** Words of a refusal for size or depth. */
const REFUSED_FOR_SIZE =
  /too (large|big|deep|long|many)|exceed|maximum|max(imum)? (size|depth|length)|limit|payload|entity|nest(ed|ing)|depth/i;

/**
 * EXT-06 (`full` profile): the API bounds what one request may cost. Three probes, each where it
 * applies: a 4 MiB JSON body to an operation that takes JSON (bounded: 413, or a refusal that
 * names the size), JSON nested 10,000 deep (bounded: a 4xx that names it; 2xx or 500 means the
 * parser or the handler took it), and `limit=100000` (or `per_page`, `size`...) on collections
 * (unbounded when more objects come back than the default page, or the size is echoed).
 */
export const limitsCheck: ScanCheck = {
  id: "ext-06-limits",
  items: ["EXT-06"],
  proves: ["EXT-06"],
  severity: "medium",
  intrusive: true,
  needs: ["operations"],
  title: "Body size, nesting and page size bounded",
  async run(context) {
    const { operations } = context.target;
    const writes = operations.filter(
      (op) => op.method !== "GET" && op.bodyTypes.some((t) => /[/+]json/i.test(t)),
    );
    const pages = operations.filter(
      (op) =>
        op.method === "GET" &&
        op.parameters.some((p) => p.in === "query" && PAGE_SIZE.test(p.name)),
    );
    if (writes.length === 0 && pages.length === 0)
      return notTested("no operation takes a JSON body or a page size");
    const findings: Finding[] = [];
    let planned = 0;
    let conclusive = 0;
    for (const op of writes.slice(0, MAX_LIMIT_PROBES)) {
      planned += 2;
      const size = await probeBody(context, op, padded(op));
      if (size !== undefined) conclusive++;
      if (size) findings.push(size);
      const depth = await probeBody(context, op, nested(), true);
      if (depth !== undefined) conclusive++;
      if (depth) findings.push(depth);
      if (findings.length > 0) break;
    }
    for (const op of pages.slice(0, MAX_LIMIT_PROBES)) {
      planned++;
      const page = await probePage(context, op);
      if (page !== undefined) conclusive++;
      if (page) {
        findings.push(page);
        break;
      }
    }
    const gaps = [
      ...(writes.length > MAX_LIMIT_PROBES || pages.length > MAX_LIMIT_PROBES
        ? ["operations beyond the first of each kind not probed"]
        : []),
      ...(conclusive < planned ? [`${planned - conclusive} probes were inconclusive`] : []),
      ...undescribed(context),
    ];
    if (conclusive === 0 && findings.length === 0)
      return notTested("every limit probe was refused before the body was read (401 / 403 / 404)");
    return ran(findings, covered(conclusive, planned, "probes", gaps));
  },
};

/** The example body with 4 MiB of padding beside its own fields. */
function padded(op: ScanOperation): string {
  const example = parseJson(op.exampleBody ?? "{}");
  const base = isObject(example) ? example : {};
  return JSON.stringify({ ...base, rampart_padding: "x".repeat(LARGE_BODY_BYTES) });
}

/** A JSON object whose one member nests arrays {@link DEEP_NESTING} deep. */
function nested(): string {
  return `{"rampart":${"[".repeat(DEEP_NESTING)}${"]".repeat(DEEP_NESTING)}}`;
}

/**
 * Sends one oversized body: a finding when it was taken, `null` when refused for its size,
 * undefined when the answer says nothing (refused before reading it, or no answer).
 */
async function probeBody(
  context: CheckContext,
  op: ScanOperation,
  body: string,
  deep = false,
): Promise<Finding | null | undefined> {
  const answer = await context.http.trySend({
    method: op.method,
    url: op.url,
    headers: { "content-type": "application/json", accept: "application/json" },
    body,
  });
  if (!answer || [401, 403, 404, 405, 407, 429, 503].includes(answer.status)) return undefined;
  if (answer.status === 413 || answer.status === 431) return null;
  if (answer.status >= 400 && answer.status < 500 && REFUSED_FOR_SIZE.test(answer.body))
    return null;
  // A 4xx that complains about something else means the body was parsed first.
  const what = deep
    ? `JSON nested ${DEEP_NESTING.toLocaleString("en-US")} levels deep`
    : `a ${LARGE_BODY_BYTES / 1024 / 1024} MiB JSON body`;
  return context.finding({
    title: deep ? "JSON nesting not bounded" : "Request body size not bounded",
    detail: `${op.method} ${op.path} took ${what} and answered ${answer.status}${answer.status >= 500 ? " (the input crashed what read it)" : ""}: one request can make the server parse and hold as much as it is sent.`,
    exchange: answer,
    headers: ["content-type"],
    body: true,
    evidence: {
      request: `${op.method} ${new URL(answer.url).pathname} HTTP/1.1 (${what})`,
    },
    subject: deep ? "depth" : "body-size",
  });
}

/** Asks a collection for {@link HUGE_PAGE} objects and compares with its default page. */
async function probePage(
  context: CheckContext,
  op: ScanOperation,
): Promise<Finding | null | undefined> {
  const param = op.parameters.find((p) => p.in === "query" && PAGE_SIZE.test(p.name));
  if (!param) return undefined;
  const plain = new URL(op.url);
  plain.searchParams.delete(param.name);
  const huge = new URL(op.url);
  huge.searchParams.set(param.name, String(HUGE_PAGE));
  const [normal, big] = await Promise.all([
    context.http.trySend({ url: plain.href, headers: { accept: "application/json" } }),
    context.http.trySend({ url: huge.href, headers: { accept: "application/json" } }),
  ]);
  if (!normal || !big || normal.status >= 300) return undefined;
  if (big.status >= 400) return null;
  const before = objectsOf(normal.body).length;
  const after = objectsOf(big.body).length;
  const echoed = new RegExp(`"${param.name}"\\s*:\\s*"?${HUGE_PAGE}\\b`).test(big.body);
  // Fewer than the default: capped. More, but not many: a cap above the data is not ruled out,
  // so only an echo of the size or more objects than any sane cap convict.
  if (after < before && !echoed) return null;
  if (!echoed && after < UNCAPPED_AT) return undefined;
  return context.finding({
    confidence: echoed ? "high" : "medium",
    title: "Page size not bounded",
    detail: `${op.method} ${op.path} with ${param.name}=${HUGE_PAGE} returned ${after} objects where the default page has ${before}${echoed ? ", and echoes the size it was asked for" : ""}: one request can ask for the whole table.`,
    exchange: big as Exchange,
    headers: ["content-type"],
    evidence: { request: `GET ${huge.pathname}${huge.search} HTTP/1.1` },
    subject: "page-size",
  });
}
