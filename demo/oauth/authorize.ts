import { signOAuthToken } from "../auth/tokens.js";
import type { DemoContext, DemoRequest, DemoResponse } from "../types.js";
import { DEMO_RESOURCE_OWNER, findClient } from "./client.js";
import { oauthError } from "./errors.js";
import { allowedRedirectUri, withParams } from "./redirect.js";
import { grantedScopes } from "./scopes.js";
import { oauthCodes } from "./state.js";

const PARAMS = [
  "client_id",
  "redirect_uri",
  "response_type",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
];

/**
 * `GET /oauth/authorize` (RFC 6749 4.1.1, RFC 7636 4.3). The login and consent steps are out of
 * the demo's scope: every request is approved at once for the resource owner `alice`, and the
 * browser is sent back with a code (302). An unknown client or a redirect URI that is not
 * allowed is answered here with a 400 and never redirected (RFC 6749 4.1.2.1); every other
 * error goes back to the client in the redirect, with `error` and the `state` echoed.
 *
 * Hardened: only `response_type=code`; `state` required (CSRF, RFC 6749 10.12); PKCE with S256
 * required (RFC 9700 2.1.1); scopes validated for the client with a default. Each of the
 * `implicit-flow`, `state-optional`, `pkce-optional`, `scopes-not-validated` and
 * `open-redirect-uri` flaws loosens one of these.
 *
 * @example
 * ```ts
 * // GET /oauth/authorize?client_id=demo-client&redirect_uri=https%3A%2F%2Fclient.demo.test%2Fcallback
 * //     &response_type=code&state=xyz&code_challenge=...&code_challenge_method=S256
 * // 302 Location: https://client.demo.test/callback?code=...&state=xyz&iss=http%3A%2F%2F...
 * ```
 */
export async function authorize(request: DemoRequest, context: DemoContext): Promise<DemoResponse> {
  const query = request.url.searchParams;
  const repeated = PARAMS.filter((name) => query.getAll(name).length > 1);
  const clientId = query.get("client_id");
  const client = findClient(clientId);
  if (!client || repeated.includes("client_id")) {
    return oauthError(400, "invalid_request", "unknown or missing client_id");
  }
  const redirectUri = repeated.includes("redirect_uri")
    ? undefined
    : allowedRedirectUri(client, query.get("redirect_uri"), context.has("open-redirect-uri"));
  if (redirectUri === undefined) {
    return oauthError(400, "invalid_request", "redirect_uri is not registered for this client");
  }

  const state = query.get("state");
  const responseType = query.get("response_type");
  const implicit = responseType === "token" && context.has("implicit-flow");
  // RFC 9207: the issuer identifies the authorization server in every response (mix-up attacks).
  const back = (params: Record<string, string>): DemoResponse => {
    const all = { ...params, ...(state === null ? {} : { state }), iss: context.baseUrl() };
    return redirect(withParams(redirectUri, all, implicit ? "fragment" : "query"));
  };
  const fail = (error: string, description: string): DemoResponse =>
    back({ error, error_description: description });

  if (repeated.length > 0) return fail("invalid_request", `${repeated[0]} is repeated`);
  if (responseType === null) return fail("invalid_request", "response_type is required");
  if (responseType !== "code" && !implicit) {
    return fail("unsupported_response_type", "only response_type=code is supported");
  }
  if ((state === null || state === "") && !context.has("state-optional")) {
    return fail("invalid_request", "state is required");
  }
  const scopes = grantedScopes(client, query.get("scope"), context.has("scopes-not-validated"));
  if (!scopes)
    return fail("invalid_scope", "a requested scope is unknown or not allowed for this client");
  const owner = context.store.findUserByUsername(DEMO_RESOURCE_OWNER);
  if (!owner || owner.disabled) return fail("access_denied", "the resource owner may not sign in");

  if (implicit) {
    const issued = await signOAuthToken(context, owner, scopes, client.id, context.auth.now());
    const params: Record<string, string> = { access_token: issued.token, token_type: "Bearer" };
    if (issued.expiresIn !== undefined) params.expires_in = String(issued.expiresIn);
    return back({ ...params, scope: scopes.join(" ") });
  }

  const pkce = checkPkce(
    query.get("code_challenge"),
    query.get("code_challenge_method"),
    context.has("pkce-optional"),
  );
  if (typeof pkce === "string") return fail("invalid_request", pkce);
  const code = oauthCodes(context).issue({
    clientId: client.id,
    userId: owner.id,
    scopes,
    redirectUri: query.get("redirect_uri") ?? undefined,
    ...pkce,
  });
  return back({ code });
}

/** The PKCE parameters to store with the code, or why they are refused (RFC 7636 4.2, 4.4.1). */
function checkPkce(
  challenge: string | null,
  method: string | null,
  optional: boolean,
):
  | { codeChallenge: string | undefined; codeChallengeMethod: "S256" | "plain" | undefined }
  | string {
  if (challenge === null) {
    if (optional) return { codeChallenge: undefined, codeChallengeMethod: undefined };
    return "code_challenge is required (PKCE, S256)";
  }
  // RFC 7636 4.3: a missing method means "plain", which RFC 9700 2.1.1 wants refused.
  const effective = method ?? "plain";
  if (effective === "plain" && optional && /^[A-Za-z0-9._~-]{43,128}$/.test(challenge)) {
    return { codeChallenge: challenge, codeChallengeMethod: "plain" };
  }
  if (effective !== "S256") return "code_challenge_method must be S256";
  // BASE64URL(SHA256(verifier)) is always 43 characters.
  if (!/^[A-Za-z0-9_-]{43}$/.test(challenge)) return "code_challenge is not a valid S256 challenge";
  return { codeChallenge: challenge, codeChallengeMethod: "S256" };
}

function redirect(location: string): DemoResponse {
  return { status: 302, headers: { Location: location, "Cache-Control": "no-store" } };
}
