import { heldTokens, NOT_A_JWT } from "../../jwt/target.js";
import type { ScanCheck } from "../../types.js";
import { covered, notTested, ran } from "../outcome.js";

/** Above this, some proxies and servers start refusing the header: warn. */
export const TOKEN_WARN_BYTES = 4 * 1024;
/** Above this, common header limits (8 KiB in nginx, Apache, Node before 13) refuse it: fail. */
export const TOKEN_FAIL_BYTES = 8 * 1024;

/**
 * JWT-05: tokens stay small: every request carries them, and header limits refuse large ones.
 * Low above 4 KiB, medium above 8 KiB, for every JWT the scan saw the target issue.
 */
export const jwtSizeCheck: ScanCheck = {
  id: "jwt-05-size",
  items: ["JWT-05"],
  proves: ["JWT-05"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "JWTs stay below 4 KiB",
  async run(context) {
    const tokens = await heldTokens(context);
    if (tokens.length === 0) return notTested(NOT_A_JWT);
    const findings = [];
    for (const { jwt, source } of tokens) {
      const size = jwt.size;
      if (size <= TOKEN_WARN_BYTES) continue;
      const over = size > TOKEN_FAIL_BYTES;
      const payloadBytes = Buffer.from(jwt.rawPayload, "base64url").length;
      const Source = source.charAt(0).toUpperCase() + source.slice(1);
      findings.push(
        context.finding({
          severity: over ? "medium" : "low",
          title: `JWT of ${(size / 1024).toFixed(1)} KiB`,
          detail: `${Source} is ${size} bytes, above ${over ? "8 KiB, a common request header limit" : "4 KiB"}: every request carries it${over ? ", and proxies may refuse it" : ""}.`,
          evidence: {
            note: `size ${size} bytes (payload ${payloadBytes} bytes decoded, ${Object.keys(jwt.payload).length} claims); token redacted`,
          },
          subject: source === "the scan's token" ? "size" : `size ${source}`,
        }),
      );
    }
    return ran(findings, covered(tokens.length, tokens.length, "tokens"));
  },
};
