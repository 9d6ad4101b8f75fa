import { jsonObject, PATCH_BODY_TYPES } from "../http/body.js";
import { pageOf, pagingOf } from "../http/paging.js";
import { HttpError, type InputError, pointerTo } from "../http/problem.js";
import type { DemoContext, DemoUser, Principal, Route } from "../types.js";

/**
 * A user as the API shows it. With `password-hash-in-response` the stored hash comes along,
 * the way an ORM entity serialised whole leaks it.
 *
 * @example
 * ```ts
 * userJson(context, alice); // { id, username: "alice", displayName, email, role: "user" }
 * ```
 */
export function userJson(context: DemoContext, user: DemoUser): Record<string, unknown> {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    email: user.email,
    role: user.role,
    ...(context.has("password-hash-in-response") ? { passwordHash: user.passwordHash } : {}),
  };
}

const PROFILE_FIELDS = ["displayName", "email"];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * The user routes: the directory (paged: `?limit` and `?offset`), one's own profile (read and update), a user by id.
 *
 * @example
 * ```ts
 * const routes = usersRoutes(context); // GET /api/users, GET|PATCH /api/users/me, GET /api/users/:id
 * ```
 */
export function usersRoutes(context: DemoContext): Route[] {
  return [
    {
      method: "GET",
      path: "/api/users",
      auth: context.has("unauthenticated-endpoint") ? "none" : "user",
      handler: (request, ctx) => ({
        status: 200,
        body: pageOf(ctx.store.users, pagingOf(ctx, request.url.searchParams), (u) =>
          userJson(ctx, u),
        ),
      }),
    },
    {
      method: "GET",
      path: "/api/users/me",
      auth: "user",
      handler: (_request, ctx, principal) => ({
        status: 200,
        body: userJson(ctx, me(principal)),
      }),
    },
    {
      method: "PATCH",
      path: "/api/users/me",
      auth: "user",
      accepts: PATCH_BODY_TYPES,
      handler: (request, ctx, principal) => {
        const user = me(principal);
        applyProfileUpdate(ctx, user, jsonObject(request));
        return { status: 200, body: userJson(ctx, user) };
      },
    },
    {
      method: "GET",
      path: "/api/users/:id",
      auth: "user",
      handler: (request, ctx) => {
        const user = ctx.store.findUserById(request.params.id ?? "");
        if (!user) throw new HttpError(404, "No such user.");
        return { status: 200, body: userJson(ctx, user) };
      },
    },
  ];
}

/**
 * The authenticated user; routes with auth "user" or "admin" always have one.
 *
 * @example
 * ```ts
 * handler: (request, context, principal) => ({ status: 200, body: userJson(context, me(principal)) })
 * ```
 */
export function me(principal: Principal | undefined): DemoUser {
  if (!principal) throw new Error("route without authentication asked for the principal");
  return principal.user;
}

function applyProfileUpdate(
  context: DemoContext,
  user: DemoUser,
  fields: Record<string, unknown>,
): void {
  // The flaw: the update binds the privileged `role` too, what a blind `Object.assign` of the
  // body onto the entity does; unknown members pass unnoticed. Hardened, anything but the two
  // profile fields is refused by name.
  const bindRole = context.has("mass-assignment");
  const errors: InputError[] = bindRole
    ? []
    : Object.keys(fields)
        .filter((key) => !PROFILE_FIELDS.includes(key))
        .map((key) => ({ pointer: pointerTo(key), detail: "is not a field you can change" }));
  const { displayName, email, role } = fields;
  if (displayName !== undefined && !isText(displayName, 100)) {
    errors.push({ pointer: "/displayName", detail: "must be a string of 1 to 100 characters" });
  }
  if (email !== undefined && !(isText(email, 254) && EMAIL.test(email))) {
    errors.push({ pointer: "/email", detail: "must be an email address" });
  }
  if (bindRole && role !== undefined && role !== "user" && role !== "admin") {
    errors.push({ pointer: "/role", detail: 'must be "user" or "admin"' });
  }
  if (errors.length > 0) throw new HttpError(400, "The profile update was refused.", errors);
  if (typeof displayName === "string") user.displayName = displayName.trim();
  if (typeof email === "string") user.email = email;
  if (bindRole && (role === "user" || role === "admin")) user.role = role;
}

function isText(value: unknown, max: number): value is string {
  return typeof value === "string" && value.trim().length >= 1 && value.length <= max;
}
