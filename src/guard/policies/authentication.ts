import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";

/**
 * Non-public routes need an authenticated identity. The identity policies (JWT, API keys) come
 * with issue 7; until then the guard refuses such routes with 401 unless the route states that
 * the upstream authenticates (`authentication: upstream`, an explicit loosening).
 */
export const authenticationPolicy: GuardPolicy = {
  id: "authentication-required",
  items: [],
  title: "401 on non-public routes until an identity policy authenticates the caller",
  create(route) {
    if (route.public || route.authentication === "upstream") return undefined;
    const refused = rejection(
      authenticationPolicy,
      401,
      "Unauthorized",
      "This route requires authentication.",
      { "WWW-Authenticate": 'Bearer realm="rampart"' },
    );
    return { onRequest: () => refused };
  },
};
