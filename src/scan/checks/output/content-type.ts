import { parseJson } from "../../discovery.js";
import { apiResponses } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { ran } from "../outcome.js";

/**
 * OUT-05: the declared Content-Type matches the body. JSON served as text/html (or without a
 * type) can be rendered as HTML by a browser: reflected values become script.
 */
export const contentTypeCheck: ScanCheck = {
  id: "out-05-content-type",
  items: ["OUT-05"],
  severity: "medium",
  intrusive: false,
  needs: ["api-responses"],
  title: "Declared Content-Type matches the body",
  async run(context) {
    for (const e of apiResponses(context.target)) {
      if (parseJson(e.body) === undefined) continue;
      const declared = e.headers["content-type"];
      const type = declared?.split(";")[0]?.trim().toLowerCase();
      if (type && /^application\/([\w.+-]+\+)?json$/.test(type)) continue;
      return ran([
        context.finding({
          title: declared ? `JSON body declared as ${type}` : "JSON body without a Content-Type",
          detail: `${e.method} ${new URL(e.url).pathname} returns a JSON body declared as ${declared ?? "nothing"}; browsers may render it as HTML or sniff it.`,
          exchange: e,
          headers: ["content-type", "x-content-type-options"],
          body: true,
          subject: "mismatch",
        }),
      ]);
    }
    return ran();
  },
};
