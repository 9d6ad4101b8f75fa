import { setTimeout as sleep } from "node:timers/promises";
import type { Finding } from "../../../core/finding.js";
import { isLoopbackHost } from "../../../core/loopback.js";
import { type CallbackListener, startCallbackListener } from "../../callback.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import {
  budgetReason,
  type DocumentTarget,
  fileUploads,
  isBudgetSpent,
  isUninformative,
  isXmlType,
  marker,
  mediaTypeOf,
  operationsAccepting,
  sendDocument,
  shapeOf,
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

type Target = DocumentTarget;

/**
 * Local files that exist on every host of their kind, for the existence test: one whose content
 * is plain text (a parser that reads it parses on) and one with NUL bytes (a parser that reads
 * it fails on the entity's content), so that either way reading it shows.
 */
const EXISTING_FILES = [
  "file:///etc/passwd",
  "file:///proc/self/cmdline",
  "file:///c:/windows/win.ini",
];

/**
 * Statuses that a filter in front of the parser gives (a WAF that dislikes "/etc/passwd"): the
 * uninformative ones and 406.
 */
const filtered = (status: number) => isUninformative(status) || status === 406;

/**
 * PROC-04: XML external entities (XXE, CWE-611). For each operation that takes XML, as its body
 * or as an uploaded file (a multipart file part), it sends a DOCTYPE whose external entity (and,
 * separately, external DTD) points at a URL the scanner listens on, and one whose entity points
 * at a well-known local file. A request on the listener proves external entity resolution; a
 * file signature in the answer proves file disclosure; an existing file answered otherwise than
 * missing ones proves, blind, that the parser opens files. The listener runs on 127.0.0.1 and is
 * used only when the target is loopback too; elsewhere an unresolvable `.invalid` host (RFC
 * 6761) stands in, and only an error that names it counts.
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
    const bodies = operationsAccepting(context, isXmlType);
    const all = [
      ...bodies,
      ...fileUploads(context).filter((u) => !bodies.some((b) => b.op === u.op)),
    ];
    const targets = all.slice(0, MAX_OPERATIONS);
    if (targets.length === 0)
      return nothingOfTheKind(context, "no operation accepts XML or a file upload");
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
  let disclosed = false;
  const sent: { url: string; exchange: Exchange; kind: "entity" | "dtd" }[] = [];
  // First, all at once: an endpoint that never answers is not asked again after two timeouts,
  // and this test is the one that can still tell something there.
  const read = await existenceTest(context, target);
  let informative = read.informative;
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
            request: `${target.op.method} ${new URL(first.exchange.url).pathname} HTTP/1.1 (${describe(target)}; DOCTYPE with SYSTEM "${first.url}")`,
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
    disclosed = true;
    findings.push(
      context.finding({
        title: "Local file disclosed through an XML external entity",
        severity: "critical",
        detail: `${target.op.method} ${target.op.path} resolved an external entity pointing at ${file.url} and answered with its content (signature "${file.signature}"): any file the server can read is exposed.`,
        exchange,
        body: true,
        evidence: {
          request: `${target.op.method} ${new URL(exchange.url).pathname} HTTP/1.1 (${describe(target)}; <!ENTITY e SYSTEM "${file.url}">)`,
          note: `signature "${file.signature}" found in the answer`,
        },
        subject: `file-${file.signature}`,
      }),
    );
    break;
  }
  if (!disclosed && read.finding) findings.push(read.finding);
  return { findings, informative };
}

/**
 * The blind case (CWE-611 without an echo): the same document with its entity pointing at a file
 * that exists and at two that cannot, sent together. A parser that never opens the file answers
 * all of them alike; one that reads it answers the existing file otherwise, by parsing on where a
 * missing file failed, or by failing on a file's content where a missing one was skipped. The two
 * missing files must agree with each other (a steady answer), and no answer may come from a
 * filter before the parser. "No answer" (a handler that never replies) counts as an answer.
 */
async function existenceTest(
  context: CheckContext,
  target: Target,
): Promise<{ finding?: Finding; informative: boolean }> {
  const missing = [0, 1].map(() => `file:///rampart-${marker()}/${marker()}`);
  const urls = [...missing, ...EXISTING_FILES];
  const answers = await Promise.all(
    urls.map((url) => sendDocument(context, target, entityDocument(url))),
  );
  const shapes = answers.map((a, i) => answerShape(a, urls[i] as string));
  if (answers.some((a) => a !== undefined && filtered(a.status))) return { informative: false };
  const informative = answers.some((a) => a !== undefined);
  if (shapes[0] !== shapes[1]) return { informative };
  const index = shapes.findIndex((s, i) => i >= 2 && s !== shapes[0] && answers[i] !== undefined);
  const exchange = answers[index];
  if (index < 0 || !exchange) return { informative };
  const file = urls[index] as string;
  const missingAnswer = answers[0] ? `${answers[0].status}` : "no answer";
  return {
    informative,
    finding: context.finding({
      title: "XML external entity reads local files (blind)",
      confidence: "medium",
      detail: `${target.op.method} ${target.op.path} answered a document whose external entity names ${file} (${exchange.status}) otherwise than the same document naming a file that does not exist (${missingAnswer}, twice alike): the parser opens local files named in entities (XXE, CWE-611), even though it does not echo their content.`,
      exchange,
      body: true,
      evidence: {
        request: `${target.op.method} ${new URL(exchange.url).pathname} HTTP/1.1 (${describe(target)}; <!ENTITY e SYSTEM "${file}">)`,
        note: `answer for a missing file: ${missingAnswer}; for ${file}: ${exchange.status}`,
      },
      subject: "file-existence",
    }),
  };
}

/** What is left of an answer once the system id it may echo, numbers and long hex are masked. */
function answerShape(exchange: Exchange | undefined, systemId: string): string {
  if (!exchange) return "no answer";
  const path = systemId.replace(/^file:\/\//, "");
  return `${mediaTypeOf(exchange)} ${shapeOf(exchange, systemId, path)}`;
}

/** How the document was sent, for the evidence line. */
function describe(target: Target): string {
  return target.filePart === undefined
    ? `Content-Type: ${target.type}`
    : `multipart/form-data, file part "${target.filePart}" as text/xml`;
}

/** A document whose only content is a reference to an external entity. */
function entityDocument(systemId: string): string {
  return `<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "${systemId}">]>\n<r>&e;</r>`;
}
