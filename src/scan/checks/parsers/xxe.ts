import { setTimeout as sleep } from "node:timers/promises";
import type { Finding } from "../../../core/finding.js";
import { isLoopbackHost } from "../../../core/loopback.js";
import { type CallbackListener, startCallbackListener } from "../../callback.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import {
  budgetReason,
  isBudgetSpent,
  isUninformative,
  isXmlType,
  marker,
  operationsAccepting,
  sendDocument,
} from "./documents.js";

/** Local files whose content anyone can recognise, with their signature. */
export const XXE_FILES: readonly { readonly url: string; readonly signature: string }[] = [
  { url: "file:///etc/passwd", signature: "root:x:0:0:" },
  { url: "file:///c:/windows/win.ini", signature: "[fonts]" },
];

/** XML operations probed at most: the first few tell whether the API's XML parser is safe. */
const MAX_OPERATIONS = 3;

/** How long out-of-band requests may trail the answer (a parser that fetches asynchronously). */
const CALLBACK_GRACE_MS = 200;

/** Errors of a fetch that was attempted (the parser resolves external entities)... */
const FETCH_FAILED =
  /fail(ed)? to (load|fetch|resolve|open|read)|(could not|unable to|cannot) (load|fetch|resolve|open|connect)|ENOTFOUND|EAI_AGAIN|getaddrinfo|Name or service not known|UnknownHostException/i;
/** ...unlike a parser that names the entity while refusing it. */
const REFUSED = /disabled|not allowed|forbidden|prohibited|not permitted|refus/i;

type Target = { op: ScanOperation; type: string };

/**
 * PROC-04: XML external entities (XXE, CWE-611). For each operation that takes XML it sends a
 * DOCTYPE whose external entity (and, separately, external DTD) points at a URL the scanner
 * listens on, and one whose entity points at a well-known local file. A request on the listener
 * proves external entity resolution; a file signature in the answer proves file disclosure. The
 * listener runs on 127.0.0.1 and is used only when the target is loopback too; elsewhere an
 * unresolvable `.invalid` host (RFC 6761) stands in, and only an error that names it counts.
 */
export const xxeCheck: ScanCheck = {
  id: "proc-04-xxe",
  items: ["PROC-04"],
  proves: ["PROC-04"],
  severity: "high",
  intrusive: true,
  needs: ["operations"],
  title: "XML external entities not resolved",
  async run(context) {
    const all = operationsAccepting(context, isXmlType);
    const targets = all.slice(0, MAX_OPERATIONS);
    if (targets.length === 0) return nothingOfTheKind(context, "no operation accepts XML");
    const listener = isLoopbackHost(context.target.base.hostname)
      ? await startCallbackListener()
      : undefined;
    try {
      const findings: Finding[] = [];
      let informative = 0;
      for (const [index, target] of targets.entries()) {
        try {
          const result = await probe(context, target, listener);
          if (result.informative) informative++;
          findings.push(...result.findings);
        } catch (error) {
          if (!isBudgetSpent(error)) throw error;
          return notTested(budgetReason(index, targets.length, "XML operations"), findings);
        }
      }
      if (findings.length === 0 && informative === 0)
        return notTested(
          "every XML operation refused the probes before parsing (401 / 403 / 404 / 429)",
        );
      return ran(
        findings,
        covered(informative, all.length, "XML operations", undescribed(context)),
      );
    } finally {
      await listener?.close();
    }
  },
};

async function probe(
  context: CheckContext,
  target: Target,
  listener: CallbackListener | undefined,
): Promise<{ findings: Finding[]; informative: boolean }> {
  const findings: Finding[] = [];
  const sent: { url: string; exchange: Exchange; kind: "entity" | "dtd" }[] = [];
  let informative = false;
  const remote = (label: string) =>
    listener?.url(label) ?? `http://rampart-${label}-${marker()}.invalid/${marker()}`;

  const entityUrl = remote("xxe-entity");
  const dtdUrl = remote("xxe-dtd");
  const documents = [
    { url: entityUrl, kind: "entity" as const, body: entityDocument(entityUrl) },
    {
      url: dtdUrl,
      kind: "dtd" as const,
      body: `<?xml version="1.0"?>\n<!DOCTYPE r SYSTEM "${dtdUrl}">\n<r>rampart</r>`,
    },
  ];
  for (const doc of documents) {
    const exchange = await sendDocument(context, target, doc.body);
    if (!exchange) continue;
    if (!isUninformative(exchange.status)) informative = true;
    sent.push({ url: doc.url, exchange, kind: doc.kind });
  }
  if (listener) {
    let hits = sent.flatMap((s) => listener.hits(new URL(s.url).pathname));
    if (hits.length === 0 && sent.length > 0) {
      await sleep(CALLBACK_GRACE_MS, undefined, { signal: context.signal }).catch(() => {});
      hits = sent.flatMap((s) => listener.hits(new URL(s.url).pathname));
    }
    const first = sent.find((s) => hits.some((h) => h.path === new URL(s.url).pathname));
    const hit = hits[0];
    if (first && hit)
      findings.push(
        context.finding({
          title: first.kind === "entity" ? "XML external entity resolved" : "External DTD fetched",
          detail: `${target.op.method} ${target.op.path} parsed an XML document whose ${first.kind === "entity" ? "external entity" : "DOCTYPE system id"} pointed at the scanner's listener, and the server fetched it: its XML parser resolves external references, the door to file disclosure and server-side request forgery (XXE).`,
          exchange: first.exchange,
          body: true,
          evidence: {
            request: `${target.op.method} ${new URL(first.exchange.url).pathname} HTTP/1.1 (Content-Type: ${target.type}; DOCTYPE with SYSTEM "${first.url}")`,
            note: `callback listener hit: ${hit.method} ${hit.path}`,
          },
          subject: `callback-${first.kind}`,
        }),
      );
  } else {
    const named = sent.find(
      (s) =>
        s.exchange.body.includes(new URL(s.url).hostname) &&
        FETCH_FAILED.test(s.exchange.body) &&
        !REFUSED.test(s.exchange.body),
    );
    if (named)
      findings.push(
        context.finding({
          title: "XML external entity resolution attempted",
          confidence: "medium",
          detail: `${target.op.method} ${target.op.path} answered a document with an external reference to an unresolvable host with an error that names the host: the parser tried to fetch it (XXE).`,
          exchange: named.exchange,
          body: true,
          subject: "unresolvable",
        }),
      );
  }
  for (const file of XXE_FILES) {
    const exchange = await sendDocument(context, target, entityDocument(file.url));
    if (!exchange) continue;
    if (!isUninformative(exchange.status)) informative = true;
    if (!exchange.body.includes(file.signature)) continue;
    findings.push(
      context.finding({
        title: "Local file disclosed through an XML external entity",
        severity: "critical",
        detail: `${target.op.method} ${target.op.path} resolved an external entity pointing at ${file.url} and answered with its content (signature "${file.signature}"): any file the server can read is exposed.`,
        exchange,
        body: true,
        evidence: {
          request: `${target.op.method} ${new URL(exchange.url).pathname} HTTP/1.1 (Content-Type: ${target.type}; <!ENTITY e SYSTEM "${file.url}">)`,
          note: `signature "${file.signature}" found in the answer`,
        },
        subject: `file-${file.signature}`,
      }),
    );
    break;
  }
  return { findings, informative };
}

/** A document whose only content is a reference to an external entity. */
function entityDocument(systemId: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "${systemId}">]>\n<r>&e;</r>`;
}
