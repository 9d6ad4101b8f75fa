import { createPublicKey } from "node:crypto";
import { generate } from "selfsigned";
import { isLoopbackHost } from "../../../core/loopback.js";
import { type AttackerKey, createAttackerKey, signWithAttackerKey } from "../../jwt/forge.js";
import { startKeyServer } from "../../jwt/key-server.js";
import { jwtHolder, NOT_A_JWT, proofEndpoint } from "../../jwt/target.js";
import type { ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";
import { pathOf, tryForgeries } from "./attempt.js";

/**
 * JWT-02, keys by URL: copies of the scan's token signed with a key of the scan's making and
 * naming it by URL, `jku` (a JWKS) and `x5u` (a certificate), both served by a listener the
 * scanner runs on 127.0.0.1 (RFC 8725 3.10: a server must not follow them). Only a loopback
 * target can reach that listener, so the check runs only against loopback targets. A fetch of
 * the URL without acceptance is reported at medium: the server makes requests a token names.
 */
export const jwtKeyUrlCheck: ScanCheck = {
  id: "jwt-02-key-url",
  items: ["JWT-02"],
  proves: ["JWT-02"],
  severity: "critical",
  intrusive: false,
  needs: [],
  title: "JWTs naming their own key by URL (jku, x5u) refused",
  async run(context) {
    if (!isLoopbackHost(context.target.base.hostname))
      return notTested(
        "jku / x5u need a callback listener the target can reach: loopback targets only",
      );
    const own = await jwtHolder(context);
    if (!own) return notTested(NOT_A_JWT);
    const proof = await proofEndpoint(context);
    if (!proof)
      return notTested(
        "no GET operation answered 2xx with the token and refused a request without it",
      );
    const attacker = createAttackerKey();
    const server = await startKeyServer({ keys: [attacker.jwk] }, await certificateOf(attacker));
    try {
      const forgeries = [
        signWithAttackerKey(
          own.jwt,
          attacker,
          "jku-injection",
          "ES256, JWKS at a scanner URL in jku",
          {
            kid: attacker.kid,
            jku: server.jwksUrl,
          },
        ),
        signWithAttackerKey(
          own.jwt,
          attacker,
          "x5u-injection",
          "ES256, certificate at a scanner URL in x5u",
          {
            x5u: server.certUrl,
          },
        ),
      ];
      const findings = await tryForgeries(context, proof, forgeries);
      const fetched = server.fetched();
      if (findings.length === 0 && fetched.length > 0) {
        // RFC 8725 3.10: following a URL from an unverified token is a server-side request forgery.
        findings.push(
          context.finding({
            severity: "medium",
            title: "The server fetches key URLs (jku / x5u) named by an unverified token",
            detail: `Tokens naming a scanner-run URL made the server behind ${pathOf(proof.url)} fetch ${fetched.join(", ")}; the forged key was refused, but any caller can make the server send requests.`,
            url: proof.url,
            method: proof.method,
            evidence: { note: `paths fetched from the scanner's listener: ${fetched.join(", ")}` },
            subject: "key-url-fetched",
          }),
        );
      }
      return ran(findings, whole("proof endpoints"));
    } finally {
      await server.close();
    }
  },
};

/** A self-signed certificate of the attacker's key, for `x5u`; undefined if it cannot be made. */
async function certificateOf(key: AttackerKey): Promise<string | undefined> {
  try {
    const publicKey = createPublicKey(key.privateKey)
      .export({ type: "spki", format: "pem" })
      .toString();
    const privateKey = key.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const result = await generate([{ name: "commonName", value: "rampart-scan" }], {
      keyType: "ec",
      algorithm: "sha256",
      keyPair: { privateKey, publicKey },
    });
    return result.cert;
  } catch {
    return undefined;
  }
}
