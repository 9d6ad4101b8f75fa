import { randomInt } from "node:crypto";
import type { ItemId } from "../../../catalog/ids.js";
import type { Severity } from "../../../core/severity.js";
import type { ScanCheck } from "../../types.js";
import {
  describePoint,
  describeRequest,
  type InjectionPoint,
  injectionPoints,
  pointKey,
  requestWith,
} from "./points.js";
import { probePoints } from "./probe.js";

/** A payload and the answer text that proves it ran, when the example answer lacks it. */
interface Provocation {
  readonly payload: (value: string) => string;
  readonly proof: RegExp;
}

interface ProvokeSpec {
  readonly id: string;
  readonly items: readonly ItemId[];
  readonly severity: Severity;
  readonly title: string;
  /** What was proven, for the finding's title: "Template expression evaluated". */
  readonly found: string;
  /** What it means, after "The <point> ...". */
  readonly meaning: string;
  readonly cap: number;
  /** Names probed first (a `file` parameter before a `comment`). */
  readonly likely?: RegExp;
  /** Fresh payloads for one point (random operands, so an answer cannot match by chance). */
  readonly provocations: () => readonly Provocation[];
}

/**
 * An "provoke and observe" check: each input gets payloads whose effect shows in the answer
 * (an evaluated product, a file's content, a command's output), counted only when the example
 * request's answer does not show it already. One confirmed payload ends the point.
 */
function provokeCheck(spec: ProvokeSpec): ScanCheck {
  return {
    id: spec.id,
    items: spec.items,
    proves: spec.items,
    severity: spec.severity,
    intrusive: true,
    needs: ["operations"],
    title: spec.title,
    run: (context) => {
      const points = injectionPoints(context);
      const likely = spec.likely;
      const ranked = likely
        ? [...points].sort((a, b) => Number(!likely.test(name(a))) - Number(!likely.test(name(b))))
        : points;
      return probePoints(context, ranked, {
        cap: spec.cap,
        nothing: "no input (parameter, JSON field, form field) in the document",
        probe: async (point, base) => {
          for (const provocation of spec.provocations()) {
            const request = requestWith(point, provocation.payload(point.value));
            const answer = await context.http.trySend(request);
            // No answer: the input may hang the operation; the next payloads would wait too.
            if (!answer) return undefined;
            const match = provocation.proof.exec(answer.body);
            if (!match || provocation.proof.test(base.body)) continue;
            return context.finding({
              title: `${spec.found} through a ${describePoint(point).split(" ")[0]} input`,
              detail: `The ${describePoint(point)} ${spec.meaning} (${answer.status}).`,
              exchange: answer,
              evidence: {
                request: describeRequest(request, answer),
                body: answer.body.slice(Math.max(0, match.index - 60), match.index + 140),
                note: "the example value's answer does not contain it",
              },
              subject: `${spec.id}-${pointKey(point)}`,
            });
          }
          return undefined;
        },
      });
    },
  };
}

function name(point: InjectionPoint): string {
  return point.name.split("/").at(-1) ?? point.name;
}

/**
 * IN-04, server-side template injection (CWE-1336), `full` profile: the product of two random
 * numbers written in the expression syntax of Jinja / Twig / Nunjucks, JavaScript template
 * literals / Freemarker / EL, ERB / EJS, and Ruby / Pug interpolation; the product in the answer
 * means the input was evaluated as a template.
 */
export const templateInjectionCheck = provokeCheck({
  id: "in-04-template-injection",
  items: ["IN-04"],
  severity: "high",
  title: "No template expressions evaluated from input",
  found: "Template expression evaluated",
  meaning: "was evaluated as a template expression: the product of the two numbers sent came back",
  cap: 40,
  provocations: () => {
    const a = randomInt(1000, 9999);
    const b = randomInt(1000, 9999);
    const proof = new RegExp(`(?<![\\d])${a * b}(?![\\d])`);
    // "$" and "{" kept apart: the text is a payload for the target, not a template here.
    return ["{{A*B}}", "$" + "{A*B}", "<%= A*B %>", "#{A*B}"].map((form) => ({
      payload: (value: string) => `${value}${form.replace("A", String(a)).replace("B", String(b))}`,
      proof,
    }));
  },
});

/**
 * IN-04, path traversal and local file read (CWE-22, CWE-73), `full` profile: relative climbs,
 * an absolute path and a file: URL to /etc/passwd, and a climb to win.ini; the file's content
 * in the answer means the input names files on the server.
 */
export const pathTraversalCheck = provokeCheck({
  id: "in-04-path-traversal",
  items: ["IN-04"],
  severity: "high",
  title: "No server files read through input",
  found: "Server file read",
  meaning: "was used as a file name on the server: the content of a system file came back",
  cap: 40,
  likely: /file|path|dir|doc|page|template|img|image|download|url|uri|src|include|name/i,
  provocations: () => {
    const passwd = /root:[x*!]?:0:0:/;
    return [
      { payload: () => "../../../../../../../../etc/passwd", proof: passwd },
      { payload: () => "/etc/passwd", proof: passwd },
      { payload: () => "....//....//....//....//....//etc/passwd", proof: passwd },
      { payload: () => "file:///etc/passwd", proof: passwd },
      { payload: () => "..\\..\\..\\..\\..\\..\\windows\\win.ini", proof: /\[fonts\]/i },
    ];
  },
});

/**
 * IN-04, OS command injection (CWE-78), `full` profile: `id` appended after the shell's
 * separators and inside its substitutions; its output (`uid=... gid=...`) in the answer means
 * the input reached a shell.
 */
export const commandInjectionCheck = provokeCheck({
  id: "in-04-command-injection",
  items: ["IN-04"],
  severity: "critical",
  title: "No shell commands run from input",
  found: "Shell command run",
  meaning: "reached a shell: the output of the `id` command came back",
  cap: 40,
  likely: /host|ip|addr|cmd|command|exec|ping|domain|file|name|url/i,
  provocations: () => {
    const proof = /uid=\d+\([^)]*\)\s+gid=\d+/;
    return [";id", "|id", "$(id)", "`id`", "&& id"].map((tail) => ({
      payload: (value: string) => `${value}${tail}`,
      proof,
    }));
  },
});
