import { checkServerIdentity } from "node:tls";
import { isLoopbackHost } from "../../../core/loopback.js";
import type { Severity } from "../../../core/severity.js";
import type { CheckContext, ScanCheck } from "../../types.js";
import { notApplicable, notTested, ran, whole } from "../outcome.js";
import { handshake } from "./tls-probe.js";
import { redirectsToHttps, variantsOf } from "./variants.js";

const TIMEOUT_MS = 5000;

// RFC 8996 deprecates TLS 1.0 and 1.1. OpenSSL 3 only offers them at security level 0.
const LEGACY_VERSIONS = [
  { version: "TLSv1", label: "TLS 1.0" },
  { version: "TLSv1.1", label: "TLS 1.1" },
] as const;

// Suites outside Mozilla's "intermediate" profile: static RSA key exchange (no forward secrecy),
// CBC with SHA-1 MACs, 3DES (SWEET32), RC4 (RFC 7465), NULL, EXPORT and DES.
const WEAK_CIPHERS = "kRSA:SHA1:3DES:RC4:NULL:EXPORT:DES:@SECLEVEL=0";

/**
 * ACC-02, the TLS side: protocol versions below 1.2, weak cipher suites, and the certificate
 * (expired, self-signed, wrong host). Certificate problems on a loopback host are reported as
 * info: expected in local development, a real finding anywhere else.
 */
export const tlsCheck: ScanCheck = {
  id: "acc-02-tls",
  items: ["ACC-02"],
  proves: ["ACC-02"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "TLS 1.2+ with strong cipher suites and a valid certificate",
  async run(context) {
    const probeAt = async (url: URL, options: Parameters<typeof handshake>[2]) => {
      const release = await context.http.reserve();
      try {
        return await handshake(url.hostname, Number(url.port || 443), options, TIMEOUT_MS);
      } finally {
        release();
      }
    };
    const candidates = httpsOrigins(context);
    let found: { url: URL; normal: Awaited<ReturnType<typeof handshake>> } | undefined;
    let failure: string | undefined;
    for (const candidate of candidates) {
      const url = new URL(candidate);
      const normal = await probeAt(url, {});
      if (normal.ok) {
        found = { url, normal };
        break;
      }
      failure ??= `${url.host}: ${normal.error}`;
    }
    if (!found && context.target.base.protocol === "https:")
      return notTested(`TLS handshake failed (${failure ?? "no answer"})`);
    if (!found)
      return notApplicable(
        "no HTTPS endpoint of the target answered (the missing TLS is reported by acc-02-plain-http)",
      );
    const { url, normal } = found;
    const origin = url.origin;
    const probe = (options: Parameters<typeof handshake>[2]) => probeAt(url, options);
    const findings = [];
    const at = { url: `${origin}/`, method: "CONNECT" };
    for (const { version, label } of LEGACY_VERSIONS) {
      const result = await probe({
        minVersion: version,
        maxVersion: version,
        ciphers: "DEFAULT:@SECLEVEL=0",
      });
      if (!result.ok) continue;
      findings.push(
        context.finding({
          ...at,
          title: `${label} accepted`,
          detail: `${url.host} completes a ${label} handshake; RFC 8996 deprecates TLS 1.0 and 1.1 (known attacks on their ciphers and MACs). Accept TLS 1.2 and 1.3 only.`,
          evidence: { note: `${label} handshake completed with ${result.cipher ?? "?"}` },
          subject: version,
        }),
      );
    }
    const weak = await probe({
      minVersion: "TLSv1.2",
      maxVersion: "TLSv1.2",
      ciphers: WEAK_CIPHERS,
    });
    if (weak.ok) {
      findings.push(
        context.finding({
          ...at,
          title: "Weak cipher suite accepted",
          detail: `${url.host} negotiates ${weak.cipher ?? "a weak suite"} when a client offers only weak suites (no forward secrecy, CBC with SHA-1, 3DES, RC4, NULL or EXPORT).`,
          evidence: { note: `TLS 1.2 handshake completed with ${weak.cipher ?? "?"}` },
          subject: "weak-cipher",
        }),
      );
    }
    findings.push(...certificateFindings(context, url, normal, at));
    return ran(findings, whole("host"));
  },
};

function certificateFindings(
  context: CheckContext,
  url: URL,
  result: Awaited<ReturnType<typeof handshake>>,
  at: { url: string; method: string },
) {
  const cert = result.certificate;
  if (!cert || Object.keys(cert).length === 0) return [];
  const loopback = isLoopbackHost(url.hostname);
  const local = (severity: Severity): Severity => (loopback ? "info" : severity);
  const suffix = loopback
    ? " The host is loopback: expected for local development, but a real finding on any other host."
    : "";
  const findings = [];
  const subject = `subject ${cert.subject?.CN ?? "?"}, issuer ${cert.issuer?.CN ?? "?"}, valid ${cert.valid_from} to ${cert.valid_to}`;
  const error = result.authorizationError ?? "";
  if (error === "CERT_HAS_EXPIRED" || Date.parse(cert.valid_to) < Date.now()) {
    findings.push(
      context.finding({
        ...at,
        severity: local("high"),
        title: "TLS certificate expired",
        detail: `The certificate of ${url.host} expired on ${cert.valid_to}; clients either fail or are trained to ignore certificate errors.${suffix}`,
        evidence: { note: subject },
        subject: "cert-expired",
      }),
    );
  }
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF/.test(error)) {
    findings.push(
      context.finding({
        ...at,
        severity: local("high"),
        title: loopback
          ? "Self-signed TLS certificate (loopback host)"
          : "Untrusted TLS certificate",
        detail: `The certificate of ${url.host} does not chain to a trusted authority (${error}); clients cannot tell the server from a man in the middle.${suffix}`,
        evidence: { note: subject },
        subject: "cert-untrusted",
      }),
    );
  }
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const mismatch = checkServerIdentity(hostname, cert);
  if (mismatch) {
    findings.push(
      context.finding({
        ...at,
        severity: local("high"),
        title: "TLS certificate does not match the host name",
        detail: `${mismatch.message}.${suffix}`,
        evidence: { note: subject },
        subject: "cert-host",
      }),
    );
  }
  return findings;
}

/** HTTPS origins to probe: the target's, or where a plain-HTTP target redirects, or variants. */
function httpsOrigins(context: CheckContext): string[] {
  const { base, observed } = context.target;
  if (base.protocol === "https:") return [base.origin];
  const root = observed.find((o) => o.source === "root")?.exchange;
  const first: string[] = [];
  if (root && redirectsToHttps(root)) {
    const location = new URL(root.headers.location ?? "", base);
    if (location.hostname === base.hostname) first.push(location.origin);
  }
  return [...new Set([...first, ...variantsOf(context, "https:")])];
}
