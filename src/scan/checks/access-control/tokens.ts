import { identitiesOf } from "../../identities.js";
import type { CheckContext } from "../../types.js";

/**
 * A real access token of the scan, to derive forged copies from: the scan's own (its login or
 * its given credentials), else the primary identity's. Undefined when none is a JWT.
 */
export async function realJwt(context: CheckContext): Promise<string | undefined> {
  const { list } = await identitiesOf(context);
  const token = context.target.auth?.token ?? list[0]?.token;
  return token !== undefined && /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token) ? token : undefined;
}

/**
 * An unsigned copy of a JWT (`alg: none`, RFC 7519 6.1; refused by RFC 8725 3.1): the same
 * claims, no signature. A server that accepts it accepts anyone's claims.
 *
 * @example
 * ```ts
 * unsignedCopy("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig"); // "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIn0."
 * ```
 */
export function unsignedCopy(token: string): string {
  const header = Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url");
  return `${header}.${token.split(".")[1] ?? ""}.`;
}

/** A bearer value with the shape of a JWT that no server issued. */
export const MALFORMED_TOKEN = "rampart.malformed.token";
