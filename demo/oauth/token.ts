import { createHash, timingSafeEqual } from "node:crypto";
import { signOAuthToken } from "../auth/tokens.js";
import type { DemoContext, DemoRequest, DemoResponse } from "../types.js";
import { findClient } from "./client.js";
import type { AuthorizationCode } from "./codes.js";
import { oauthError } from "./errors.js";
import { oauthCodes } from "./state.js";

const PARAMS = ["grant_type", "code", "redirect_uri", "client_id", "code_verifier"];

/**
 * `POST /oauth/token` (`application/x-www-form-urlencoded`), `grant_type=authorization_code`
 * (RFC 6749 4.1.3): exchanges a code for an RS256 access token (RFC 9068) signed with the key of
 * the JWKS. The code is single use, bound to its client and redirect URI, and to its PKCE
 * challenge (RFC 7636 4.6). A code used twice revokes the token issued the first time
 * (RFC 6749 4.1.2).
 *
 * @example
 * ```ts
 * // POST /oauth/token
 * // grant_type=authorization_code&code=...&redirect_uri=...&client_id=demo-client&code_verifier=...
 * // 200 {"access_token":"eyJ...","token_type":"Bearer","expires_in":600,"scope":"orders:read"}
 * ```
 */
export async function token(request: DemoRequest, context: DemoContext): Promise<DemoResponse> {
  const form = new URLSearchParams(request.body.toString("utf8"));
  const repeated = PARAMS.find((name) => form.getAll(name).length > 1);
  if (repeated) return oauthError(400, "invalid_request", `${repeated} is repeated`);
  const grantType = form.get("grant_type");
  if (grantType === null) return oauthError(400, "invalid_request", "grant_type is required");
  if (grantType !== "authorization_code") {
    return oauthError(400, "unsupported_grant_type", "only authorization_code is supported");
  }
  const clientId = form.get("client_id");
  if (clientId === null) return oauthError(400, "invalid_request", "client_id is required");
  const client = findClient(clientId);
  if (!client) return oauthError(400, "invalid_client", "unknown client");
  const codeValue = form.get("code");
  if (codeValue === null) return oauthError(400, "invalid_request", "code is required");

  const state = context.auth;
  const code = oauthCodes(context).find(codeValue);
  if (!code) return oauthError(400, "invalid_grant", "the code is unknown or expired");
  if (code.spent) {
    const grant =
      code.spentFor === undefined ? undefined : state.grants.grantOfAccessToken(code.spentFor);
    if (grant) state.grants.revoke(grant);
    return oauthError(400, "invalid_grant", "the code was already used");
  }
  code.spent = true;
  const refused = bindingError(code, client.id, form);
  if (refused) return oauthError(400, "invalid_grant", refused);

  const owner = context.store.findUserById(code.userId);
  if (!owner || owner.disabled) {
    return oauthError(400, "invalid_grant", "the resource owner may no longer sign in");
  }
  const now = state.now();
  const issued = await signOAuthToken(context, owner, code.scopes, client.id, now);
  const grant = state.grants.open(owner.id, code.scopes);
  const expiresAt = issued.expiresIn === undefined ? undefined : now + issued.expiresIn * 1000;
  state.grants.noteAccessToken(issued.jti, grant, expiresAt);
  code.spentFor = issued.jti;

  const body: Record<string, unknown> = { access_token: issued.token, token_type: "Bearer" };
  if (issued.expiresIn !== undefined) body.expires_in = issued.expiresIn;
  body.scope = code.scopes.join(" ");
  // RFC 6749 5.1: token responses must not be cached.
  return { status: 200, headers: { "Cache-Control": "no-store", Pragma: "no-cache" }, body };
}

/** Why the code may not be exchanged by this request, if it may not. */
function bindingError(
  code: AuthorizationCode,
  clientId: string,
  form: URLSearchParams,
): string | undefined {
  if (code.clientId !== clientId) return "the code was issued to another client";
  const redirectUri = form.get("redirect_uri");
  // RFC 6749 4.1.3: required, and identical, when the authorization request included it.
  if (code.redirectUri !== undefined && redirectUri !== code.redirectUri) {
    return "redirect_uri does not match the authorization request";
  }
  if (code.codeChallenge === undefined) return undefined;
  const verifier = form.get("code_verifier");
  if (verifier === null || !/^[A-Za-z0-9._~-]{43,128}$/.test(verifier)) {
    return "code_verifier is missing or malformed";
  }
  const derived =
    code.codeChallengeMethod === "S256"
      ? createHash("sha256").update(verifier).digest("base64url")
      : verifier;
  const a = Buffer.from(derived);
  const b = Buffer.from(code.codeChallenge);
  return a.length === b.length && timingSafeEqual(a, b)
    ? undefined
    : "code_verifier does not match the code_challenge";
}
