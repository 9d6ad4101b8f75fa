import { pageOf, pagingOf } from "../http/paging.js";
import { HttpError } from "../http/problem.js";
import type { DemoContext, DemoUser, Route } from "../types.js";
import { userJson } from "./users.js";

/**
 * The admin area: the user list (paged: `?limit` and `?offset`), disabling an account, a few statistics. Admins only (401
 * without credentials, 403 for other roles); with `admin-exposed` it answers anyone.
 *
 * @example
 * ```ts
 * const routes = adminRoutes(context); // GET /admin/users, POST /admin/users/:id/disable, GET /admin/stats
 * ```
 */
export function adminRoutes(context: DemoContext): Route[] {
  const auth = context.has("admin-exposed") ? "none" : "admin";
  const adminView = (ctx: DemoContext, user: DemoUser) => ({
    ...userJson(ctx, user),
    disabled: user.disabled === true,
  });
  return [
    {
      method: "GET",
      path: "/admin/users",
      auth,
      handler: (request, ctx) => ({
        status: 200,
        body: pageOf(ctx.store.users, pagingOf(ctx, request.url.searchParams), (u) =>
          adminView(ctx, u),
        ),
      }),
    },
    {
      method: "POST",
      path: "/admin/users/:id/disable",
      auth,
      handler: (request, ctx) => {
        const user = ctx.store.findUserById(request.params.id ?? "");
        if (!user) throw new HttpError(404, "No such user.");
        user.disabled = true;
        return { status: 200, body: adminView(ctx, user) };
      },
    },
    {
      method: "GET",
      path: "/admin/stats",
      auth,
      handler: (_request, ctx) => ({
        status: 200,
        body: {
          users: ctx.store.users.length,
          disabledUsers: ctx.store.users.filter((u) => u.disabled === true).length,
          orders: ctx.store.orders.length,
          openOrders: ctx.store.orders.filter((o) => o.status === "open").length,
        },
      }),
    },
  ];
}
