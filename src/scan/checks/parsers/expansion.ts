import type { Finding } from "../../../core/finding.js";
import type { CheckContext, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import {
  budgetReason,
  countOf,
  isBudgetSpent,
  isUninformative,
  isXmlType,
  isYamlType,
  marker,
  operationsAccepting,
  sendDocument,
  shapeOf,
} from "./documents.js";

/** Copies per level and levels: 10^3 = 1000 copies of an 8-letter marker, 8 KB. Harmless. */
const FAN_OUT = 10;
const COPIES = FAN_OUT ** 3;

/** Operations probed at most per document kind. */
const MAX_OPERATIONS = 3;

/** The three documents of one probe: the bomb, its expansion written out, and a broken one. */
interface Documents {
  readonly bomb: string;
  readonly literal: string;
  readonly broken: string;
}

type Target = { op: ScanOperation; type: string };

/**
 * A small billion laughs: three levels of ten entity references, 1000 markers in all.
 *
 * @example
 * ```ts
 * const { bomb, literal, broken } = xmlBomb("qhzwtkxm"); // bomb: 300 bytes; literal: 8 KB
 * ```
 */
export function xmlBomb(mark: string): Documents {
  const refs = (name: string) => `&${name};`.repeat(FAN_OUT);
  return {
    bomb: [
      '<?xml version="1.0"?>',
      "<!DOCTYPE r [",
      `  <!ENTITY a "${mark}">`,
      `  <!ENTITY b "${refs("a")}">`,
      `  <!ENTITY c "${refs("b")}">`,
      `  <!ENTITY d "${refs("c")}">`,
      "]>",
      "<r>&d;</r>",
    ].join("\n"),
    literal: `<?xml version="1.0"?>\n<r>${mark.repeat(COPIES)}</r>`,
    broken: `<?xml version="1.0"?>\n<r>${mark}</rr>`,
  };
}

/**
 * Anchors and aliases, three levels of ten: 1110 markers once the aliases are expanded.
 *
 * @example
 * ```ts
 * yamlBomb("qhzwtkxm").bomb; // "- &a [qhzwtkxm, ...]
- &b [*a, ...]
- &c [*b, ...]
"
 * ```
 */
export function yamlBomb(mark: string): Documents {
  const list = (item: string) => `[${Array(FAN_OUT).fill(item).join(", ")}]`;
  const a = Array(FAN_OUT).fill(mark);
  const b = Array(FAN_OUT).fill(a);
  const c = Array(FAN_OUT).fill(b);
  return {
    bomb: [`- &a ${list(mark)}`, `- &b ${list("*a")}`, `- &c ${list("*b")}`, ""].join("\n"),
    // JSON is YAML 1.2 flow syntax: the same value, written out.
    literal: `${JSON.stringify([a, b, c])}\n`,
    broken: `- [${mark}, *undefined-anchor\n`,
  };
}

/**
 * PROC-05 for XML: a bounded billion-laughs document (1000 copies of a random marker, 8 KB
 * expanded). The entities were expanded when the answer counts the 1000 markers, or when it is
 * the answer to the same document written out (same status and body once the marker, ids and
 * numbers are masked) while a broken document gets another answer, so that the body is read.
 * A refusal (400 / 413 / 415) or any other answer is a pass.
 */
export const xmlExpansionCheck: ScanCheck = {
  id: "proc-05-xml-entity-expansion",
  items: ["PROC-05"],
  proves: ["PROC-05"],
  severity: "medium",
  intrusive: true,
  needs: ["operations"],
  title: "XML entity expansion refused",
  run: (context) => runExpansion(context, "XML", isXmlType, xmlBomb),
};

/**
 * PROC-05 for YAML: anchors and aliases three levels deep (1110 markers expanded), judged like
 * the XML probe: the marker count in the answer, or the same answer as the written-out value.
 */
export const yamlExpansionCheck: ScanCheck = {
  id: "proc-05-yaml-alias-expansion",
  items: ["PROC-05"],
  proves: ["PROC-05"],
  severity: "medium",
  intrusive: true,
  needs: ["operations"],
  title: "YAML alias expansion refused",
  run: (context) => runExpansion(context, "YAML", isYamlType, yamlBomb),
};

async function runExpansion(
  context: CheckContext,
  kind: "XML" | "YAML",
  accepts: (type: string) => boolean,
  documents: (mark: string) => Documents,
) {
  const all = operationsAccepting(context, accepts);
  const targets = all.slice(0, MAX_OPERATIONS);
  if (targets.length === 0) return nothingOfTheKind(context, `no operation accepts ${kind}`);
  const findings: Finding[] = [];
  let judged = 0;
  for (const [index, target] of targets.entries()) {
    const mark = marker();
    let result: Awaited<ReturnType<typeof probe>>;
    try {
      result = await probe(context, kind, target, mark, documents(mark));
    } catch (error) {
      if (!isBudgetSpent(error)) throw error;
      return notTested(budgetReason(index, targets.length, `${kind} operations`), findings);
    }
    if (result === "inconclusive") continue;
    judged++;
    if (result) findings.push(result);
  }
  if (judged === 0)
    return notTested(
      `no ${kind} operation read the probe documents (refused before parsing, or every document answered alike)`,
    );
  return ran(findings, covered(judged, all.length, `${kind} operations`, undescribed(context)));
}

async function probe(
  context: CheckContext,
  kind: "XML" | "YAML",
  target: Target,
  m: string,
  docs: Documents,
): Promise<Finding | undefined | "inconclusive"> {
  const bomb = await sendDocument(context, target, docs.bomb);
  if (!bomb || isUninformative(bomb.status)) return "inconclusive";
  const sentCopies = countOf(docs.bomb, m);
  const counted = countOf(bomb.body, m);
  const what = `${kind === "XML" ? "entity" : "alias"} expansion`;
  const request = `${target.op.method} ${new URL(bomb.url).pathname} HTTP/1.1 (Content-Type: ${target.type}; ${kind === "XML" ? "3 levels x 10 entity references" : "3 levels x 10 aliases"}, ${COPIES} copies of the marker "${m}" when expanded)`;
  if (counted >= COPIES && counted > sentCopies * 10)
    return context.finding({
      title: `${kind} ${what} not limited`,
      detail: `${target.op.method} ${target.op.path} expanded a ${docs.bomb.length}-byte ${kind} document into ${counted} copies of its marker: nested ${kind === "XML" ? "entities" : "aliases"} grow without a limit, so a slightly bigger document (a "billion laughs") exhausts the server's memory and CPU.`,
      exchange: bomb,
      body: true,
      evidence: { request, note: `${counted} markers in the answer, ${sentCopies} in the request` },
      subject: kind.toLowerCase(),
    });
  if (bomb.status >= 500) return undefined;
  const literal = await sendDocument(context, target, docs.literal);
  const broken = await sendDocument(context, target, docs.broken);
  if (!literal || !broken) return "inconclusive";
  // Every document answered alike: the body is not read (or not by this parser), nothing learnt.
  if (shapeOf(literal, m) === shapeOf(broken, m)) return "inconclusive";
  if (shapeOf(bomb, m) !== shapeOf(literal, m)) return undefined;
  return context.finding({
    title: `${kind} ${what} not limited`,
    confidence: "medium",
    detail: `${target.op.method} ${target.op.path} answered a ${docs.bomb.length}-byte ${kind} document of nested ${kind === "XML" ? "entities" : "aliases"} exactly as it answered the same value written out (${docs.literal.length} bytes), and a broken document differently: the parser expanded them without a limit, so a slightly bigger document (a "billion laughs") exhausts the server's memory and CPU.`,
    exchange: bomb,
    body: true,
    evidence: {
      request,
      note: `bomb and written-out document both answered ${bomb.status} with the same body; broken document answered ${broken.status}`,
    },
    subject: kind.toLowerCase(),
  });
}
