import { isCatchAll } from "../../responses.js";
import type { ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";

/** Headers that frameworks honour to change the method of a POST. */
export const OVERRIDE_HEADERS = [
  "x-http-method-override",
  "x-http-method",
  "x-method-override",
] as const;

/**
 * IN-01, method overrides: a POST carrying X-HTTP-Method-Override (and friends) must stay a
 * POST, or a DELETE forbidden by a proxy or a CSRF defence slips through as a POST. The probe is
 * harmless: it asks for OPTIONS (or GET) through the header and compares with the real thing.
 */
export const methodOverrideCheck: ScanCheck = {
  id: "in-01-method-override",
  items: ["IN-01"],
  proves: [],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Method-override headers ignored",
  async run(context) {
    if (isCatchAll(context.target))
      return notTested("the target answers every path alike (catch-all)");
    const { http, target } = context;
    const declared = new Map<string, Set<string>>();
    for (const op of target.operations)
      declared.set(op.path, new Set([...(declared.get(op.path) ?? []), op.method]));
    const op =
      target.operations.find(
        (o) => o.method === "GET" && !o.secured && !declared.get(o.path)?.has("POST"),
      ) ?? target.operations.find((o) => o.method === "GET" && !declared.get(o.path)?.has("POST"));
    const url = op?.url ?? target.base.href;
    const plain = await http.trySend({ method: "POST", url });
    if (!plain) return notTested("the probe path did not answer");
    for (const reference of ["OPTIONS", "GET"]) {
      const real = await http.trySend({ method: reference, url });
      if (!real || real.status === plain.status || real.status === 429 || plain.status === 429)
        continue;
      for (const header of OVERRIDE_HEADERS) {
        const overridden = await http.trySend({
          method: "POST",
          url,
          headers: { [header]: reference },
        });
        if (!overridden || overridden.status !== real.status) continue;
        return ran(
          [
            context.finding({
              title: `${header} honoured`,
              detail: `POST with ${header}: ${reference} is answered like a real ${reference} (${real.status}) instead of like a POST (${plain.status}): the header changes the method, so POST with ${header}: DELETE would act as a DELETE.`,
              exchange: overridden,
              headers: ["allow", "content-type"],
              evidence: {
                note: `POST: ${plain.status}; ${reference}: ${real.status}; POST + ${header}: ${reference}: ${overridden.status}`,
              },
              subject: header,
            }),
          ],
          whole("path"),
        );
      }
      return ran([], whole("path"));
    }
    return notTested(
      "POST and OPTIONS / GET answer alike on the probe path: an override cannot be told apart",
    );
  },
};
