import { parseJson } from "../../discovery.js";
import type { ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

/**
 * OUT-05: the declared Content-Type matches the body, on every response with a JSON body. JSON
 * served as text/html (or without a type) can be rendered as HTML by a browser: reflected values
 * become script. One finding per operation.
 */
export const contentTypeCheck: ScanCheck = passiveCheck({
  id: "out-05-content-type",
  items: ["OUT-05"],
  proves: ["OUT-05"],
  severity: "medium",
  title: "Declared Content-Type matches the body",
  surface: (op) => op.method === "GET",
  examines: (e) => e.body.length > 0 && parseJson(e.body) !== undefined,
  inspect: (e) => {
    const declared = e.headers["content-type"];
    const type = declared?.split(";")[0]?.trim().toLowerCase();
    if (type && /^application\/([\w.+-]+\+)?json$/.test(type)) return [];
    return [
      {
        subject: "mismatch",
        finding: {
          title: declared ? `JSON body declared as ${type}` : "JSON body without a Content-Type",
          detail: `${e.method} ${new URL(e.url).pathname} returns a JSON body declared as ${declared ?? "nothing"}; browsers may render it as HTML or sniff it.`,
          headers: ["content-type", "x-content-type-options"],
          body: true,
        },
      },
    ];
  },
});
