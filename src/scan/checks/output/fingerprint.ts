import type { ScanCheck } from "../../types.js";
import { passiveCheck } from "../passive-check.js";

/** Headers that name the software stack; a version number in any of them is a finding. */
export const FINGERPRINT_HEADERS = [
  "server",
  "x-powered-by",
  "x-aspnet-version",
  "x-aspnetmvc-version",
  "x-generator",
  "x-runtime-version",
] as const;

// Headers that exist only to advertise: present at all is enough.
const ADVERTISING = new Set(["x-powered-by", "x-aspnet-version", "x-aspnetmvc-version"]);
const VERSION = /\d+\.\d+/;

/**
 * OUT-04: no Server / X-Powered-By / X-AspNet-Version that tell which stack (and version) runs,
 * on any response of the scan: error pages and redirects name their software as often as
 * successes do.
 */
export const fingerprintCheck: ScanCheck = passiveCheck({
  id: "out-04-fingerprint",
  items: ["OUT-04"],
  proves: ["OUT-04"],
  severity: "low",
  title: "No fingerprinting headers",
  surface: (op) => op.method === "GET",
  summarise: true,
  inspect: (exchange) => {
    const shown = FINGERPRINT_HEADERS.filter((name) => {
      const value = exchange.headers[name];
      return value !== undefined && (ADVERTISING.has(name) || VERSION.test(value));
    });
    if (shown.length === 0) return [];
    return [
      {
        subject: shown.join("+"),
        finding: {
          title: "Fingerprinting headers reveal the stack",
          detail: `Responses announce ${shown.map((n) => `${n}: ${exchange.headers[n]}`).join("; ")}: attackers match such versions against known vulnerabilities.`,
          headers: shown,
        },
      },
    ];
  },
});
