import type { ScanCheck } from "../../types.js";
import { marker } from "../parsers/documents.js";
import {
  describePoint,
  describeRequest,
  injectionPoints,
  pointKey,
  requestWith,
} from "./points.js";
import { probePoints } from "./probe.js";

/**
 * IN-04, reflected script (XSS, CWE-79), `full` profile: each input (query, path, form and JSON
 * fields) gets a `<script>`
 * element with a random marker; an HTML answer that contains it unescaped runs it in the
 * victim's browser. JSON answers do not count: a browser does not run script in them.
 */
export const reflectedXssCheck: ScanCheck = {
  id: "in-04-reflected-xss",
  items: ["IN-04"],
  proves: ["IN-04"],
  severity: "medium",
  intrusive: true,
  needs: ["operations"],
  title: "No script reflected unescaped in HTML",
  run: (context) =>
    probePoints(context, injectionPoints(context, ["query", "path", "form", "body"]), {
      cap: MAX_XSS_POINTS,
      nothing: "no input in the document",
      noBaseline: true,
      probe: async (point) => {
        const payload = `<script>rampart_${marker()}()</script>`;
        const request = requestWith(point, payload);
        const answer = await context.http.trySend(request);
        if (!answer) return undefined;
        if (!/^text\/html|^application\/xhtml\+xml/i.test(answer.headers["content-type"] ?? ""))
          return undefined;
        const at = answer.body.indexOf(payload);
        if (at < 0) return undefined;
        return context.finding({
          title: "Script reflected unescaped in an HTML page",
          detail: `The ${describePoint(point)} came back verbatim inside a ${answer.headers["content-type"]} answer: a link with script in it runs that script in the page, as the site, for whoever follows it.`,
          exchange: answer,
          headers: ["content-type", "content-security-policy"],
          evidence: {
            request: describeRequest(request, answer),
            body: answer.body.slice(Math.max(0, at - 80), at + payload.length + 40),
          },
          subject: `xss-${pointKey(point)}`,
        });
      },
    }),
};

/** Inputs probed for reflected script at most (one request each). */
export const MAX_XSS_POINTS = 60;
