import {
  algNoneForgeries,
  createAttackerKey,
  type Forgery,
  keyConfusionForgeries,
  kidTraversalForgery,
  signWithAttackerKey,
  strippedSignatureForgery,
  tamperedSignature,
} from "../../jwt/forge.js";
import {
  accepted,
  jwtHolder,
  NOT_A_JWT,
  proofEndpoint,
  sendToken,
  targetPublicKeys,
} from "../../jwt/target.js";
import type { ScanCheck } from "../../types.js";
import { notTested, ran, whole } from "../outcome.js";
import { pathOf, statuses, tryForgeries } from "./attempt.js";

/**
 * JWT-02: the server pins the algorithm and the key (RFC 8725 3.1, 3.2, 3.10). Forged copies
 * of the scan's own token (same claims) go to an operation that answers 2xx with the real token
 * and 401/403 without one: `alg: none` in four spellings, the signature stripped, HS256 keyed
 * with the public key's PEM text, and `jwk` / `kid` headers naming a key of the scan's making
 * (`jku` and `x5u`: the check `jwt-02-key-url`). A copy with a corrupted signature is sent first: when even that is accepted,
 * the server verifies nothing, which is reported once instead of every forgery.
 */
export const jwtForgeryCheck: ScanCheck = {
  id: "jwt-02-forgery",
  items: ["JWT-02"],
  proves: ["JWT-02"],
  severity: "critical",
  intrusive: false,
  needs: [],
  title: "Forged JWTs (alg none, stripped signature, key confusion, header keys) refused",
  async run(context) {
    const own = await jwtHolder(context);
    if (!own) return notTested(NOT_A_JWT);
    const proof = await proofEndpoint(context);
    if (!proof)
      return notTested(
        "no GET operation answered 2xx with the token and refused a request without it",
      );
    const control = await sendToken(context, proof, tamperedSignature(own.jwt));
    if (!control) return notTested("the proof endpoint stopped answering");
    if (accepted(proof, control)) {
      return ran(
        [
          context.finding({
            title: "JWT signature not verified: a token with a corrupted signature is accepted",
            detail: `${proof.method} ${pathOf(proof.url)} answers ${proof.withoutToken.status} without a token and ${control.status} to a copy of the scan's token whose signature was altered: anyone can change the claims.`,
            exchange: control,
            evidence: { note: statuses(proof, control) },
            subject: "unverified",
          }),
        ],
        whole("proof endpoints"),
      );
    }
    const forgeries: Forgery[] = [
      ...algNoneForgeries(own.jwt),
      strippedSignatureForgery(own.jwt),
      kidTraversalForgery(own.jwt),
    ];
    for (const key of await targetPublicKeys(context))
      forgeries.push(...keyConfusionForgeries(own.jwt, key));
    const attacker = createAttackerKey();
    forgeries.push(
      signWithAttackerKey(
        own.jwt,
        attacker,
        "jwk-injection",
        "ES256, public key in the jwk header",
        {
          kid: attacker.kid,
          jwk: attacker.jwk,
        },
      ),
    );
    return ran(await tryForgeries(context, proof, forgeries), whole("proof endpoints"));
  },
};
