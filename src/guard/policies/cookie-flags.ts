import { Type } from "@sinclair/typebox";
import { StringEnum } from "../../core/validate.js";
import type { GuardPolicy } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.cookies` in the config: what can be set, and the defaults (the secure choice). */
export const cookieFlagsOptions = policyOptions(
  "cookies",
  Type.Object(
    {
      httpOnly: Type.Optional(Type.Boolean()),
      sameSite: Type.Optional(StringEnum(["Strict", "Lax", "off"] as const)),
    },
    { additionalProperties: false },
  ),
  {
    /** Scripts never read session cookies (EXT-02). */
    httpOnly: true,
    /** Not sent on cross-site requests; `off` keeps what the upstream set. */
    sameSite: "Lax" as "Strict" | "Lax" | "off",
  },
);

/**
 * Upstream cookies leave with the flags a session cookie needs (EXT-02): `HttpOnly` (no script
 * reads it), `SameSite` (not sent on cross-site requests, RFC 6265bis 8.8), and `Secure` when the
 * guard serves HTTPS (never sent in clear). Flags the upstream set stay; a weaker `SameSite=None`
 * is kept only when the route allows it explicitly.
 */
export const cookieFlagsPolicy: GuardPolicy = {
  id: "cookie-flags",
  options: cookieFlagsOptions,
  items: ["EXT-02"],
  title: "Set-Cookie from the upstream gets HttpOnly, SameSite and (on HTTPS) Secure",
  create(route) {
    const { httpOnly, sameSite } = route.policies.cookies;
    if (!httpOnly && sameSite === "off") return undefined;
    return {
      onResponseHead(head, ctx) {
        const raw = head.headers["set-cookie"];
        if (raw === undefined) return undefined;
        const cookies = Array.isArray(raw) ? raw : [raw];
        head.headers["set-cookie"] = cookies.map((c) => harden(c, ctx.secure, httpOnly, sameSite));
        return undefined;
      },
    };
  },
};

function harden(cookie: string, secure: boolean, httpOnly: boolean, sameSite: string): string {
  const attributes = cookie
    .split(";")
    .slice(1)
    .map((a) => a.trim().split("=")[0]?.toLowerCase() ?? "");
  let out = cookie.trimEnd().replace(/;$/, "");
  if (httpOnly && !attributes.includes("httponly")) out += "; HttpOnly";
  if (sameSite !== "off" && !attributes.includes("samesite")) out += `; SameSite=${sameSite}`;
  if (secure && !attributes.includes("secure")) out += "; Secure";
  return out;
}
