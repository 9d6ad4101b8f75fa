import type { Finding } from "../../../core/finding.js";
import type { Forgery, ForgeryTechnique } from "../../jwt/forge.js";
import { accepted, type ProofEndpoint, sendToken } from "../../jwt/target.js";
import type { CheckContext, Exchange } from "../../types.js";

/** The title of each accepted forgery family. */
const TITLES: Readonly<Record<ForgeryTechnique, string>> = {
  "alg-none": 'Unsigned JWT accepted (alg "none")',
  "signature-stripped": "JWT accepted with its signature stripped",
  "key-confusion": "JWT signed with the public key as HMAC secret accepted (RS/ES -> HS confusion)",
  "jwk-injection": "JWT signed with a key embedded in its own jwk header accepted",
  "jku-injection": "JWT signed with a key fetched from its jku URL accepted",
  "x5u-injection": "JWT signed with a certificate fetched from its x5u URL accepted",
  "kid-injection": "JWT with a path-traversal kid and an empty HMAC key accepted",
};

/**
 * Sends each forgery to the proof endpoint and returns one finding per family accepted (2xx,
 * not the refusal a request without a token gets), with the forged header decoded and the three
 * statuses.
 *
 * @example
 * ```ts
 * const findings = await tryForgeries(context, proof, algNoneForgeries(own.jwt));
 * ```
 */
export async function tryForgeries(
  context: CheckContext,
  proof: ProofEndpoint,
  forgeries: readonly Forgery[],
): Promise<Finding[]> {
  const taken = new Map<
    ForgeryTechnique,
    { forgery: Forgery; exchange: Exchange; variants: string[] }
  >();
  for (const forgery of forgeries) {
    const answer = await sendToken(context, proof, forgery.token);
    if (!accepted(proof, answer)) continue;
    const seen = taken.get(forgery.technique);
    if (seen) seen.variants.push(forgery.variant);
    else taken.set(forgery.technique, { forgery, exchange: answer, variants: [forgery.variant] });
  }
  return [...taken.values()].map(({ forgery, exchange, variants }) =>
    context.finding({
      title: TITLES[forgery.technique],
      detail: `${proof.method} ${pathOf(proof.url)} refuses a request without a token (${refusal(proof)}) and accepted a forged copy of the scan's token (${exchange.status}): ${variants.join("; ")}. Anyone can mint tokens with any claims.`,
      exchange,
      evidence: {
        note: `forged header: ${JSON.stringify(forgery.header)}; ${statuses(proof, exchange)}; token redacted`,
      },
      subject: forgery.technique,
    }),
  );
}

/**
 * The three statuses that prove an acceptance.
 *
 * @example
 * ```ts
 * statuses(proof, forged); // "status with the real token 200, without a token 401, with the forgery 200"
 * ```
 */
export function statuses(proof: ProofEndpoint, forged: Exchange): string {
  return `status with the real token ${proof.withToken.status}, without a token ${refusal(proof)}, with the forgery ${forged.status}`;
}

/** How the proof endpoint refuses a caller without a token: `401`, or `200 with a failure in the body`. */
function refusal(proof: ProofEndpoint): string {
  return proof.kind === "refused"
    ? String(proof.withoutToken.status)
    : `${proof.withoutToken.status} with a failure in the body`;
}

/**
 * The path and query of a URL, for wording.
 *
 * @example
 * ```ts
 * pathOf("http://127.0.0.1:8088/api/me?x=1"); // "/api/me?x=1"
 * ```
 */
export function pathOf(url: string): string {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
}
