import type { ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";

export const SECURITY_TXT_PATH = "/.well-known/security.txt";

/**
 * EXT-04: a security.txt (RFC 9116) at its well-known path, with the required Contact and
 * Expires fields (section 2.5), not expired.
 */
export const securityTxtCheck: ScanCheck = {
  id: "ext-04-security-txt",
  items: ["EXT-04"],
  proves: ["EXT-04"],
  severity: "info",
  intrusive: false,
  needs: [],
  title: "security.txt with Contact and a future Expires",
  async run(context) {
    const e = await context.http.trySend({
      url: new URL(SECURITY_TXT_PATH, context.target.base.origin),
      anonymous: true,
    });
    if (!e) return notTested(`${SECURITY_TXT_PATH} did not answer (timeout or broken response)`);
    const fields = new Map<string, string>();
    for (const line of e.body.split(/\r?\n/)) {
      const m = /^([A-Za-z-]+):\s*(.+)$/.exec(line.trim());
      if (m?.[1] && m[2] && !fields.has(m[1].toLowerCase()))
        fields.set(m[1].toLowerCase(), m[2].trim());
    }
    // Throttled or a gateway in trouble says nothing about the file. A 500 or 501 is the
    // server's own answer for that path: whatever the reason, nothing is published there.
    if (e.status === 429 || e.status >= 502)
      return notTested(`${SECURITY_TXT_PATH} answered ${e.status}`);
    const plain = /^text\/plain/i.test(e.headers["content-type"] ?? "");
    if (e.status !== 200 || !plain || !fields.has("contact")) {
      return ran(
        [
          context.finding({
            title: "No security.txt",
            detail: `${SECURITY_TXT_PATH} answers ${e.status}${e.status === 200 ? " without a text/plain Contact field" : ""}: researchers who find a vulnerability have no published way to report it.`,
            exchange: e,
            headers: ["content-type"],
            subject: "missing",
          }),
        ],
        whole("well-known path"),
      );
    }
    const expires = fields.get("expires");
    const when = expires ? Date.parse(expires) : Number.NaN;
    if (Number.isNaN(when) || when < Date.now()) {
      return ran(
        [
          context.finding({
            title: expires ? "security.txt expired" : "security.txt without Expires",
            detail: expires
              ? `Expires: ${expires} is in the past: RFC 9116 section 2.5.5 says to treat the file's data as stale.`
              : "RFC 9116 section 2.5.5 requires an Expires field.",
            exchange: e,
            headers: ["content-type"],
            body: true,
            subject: "expires",
          }),
        ],
        whole("well-known path"),
      );
    }
    return ran([], whole("well-known path"));
  },
};
