import { jsonObject, PATCH_BODY_TYPES } from "../http/body.js";
import { pageOf, pagingOf } from "../http/paging.js";
import { HttpError, type InputError, pointerTo } from "../http/problem.js";
import type { DemoContext, DemoOrder, DemoRequest, DemoUser, Route } from "../types.js";
import { me } from "./users.js";

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "../http/paging.js";

const ORDER_FIELDS = ["item", "quantity"];
const PATCH_FIELDS = ["item", "quantity", "status"];

/**
 * An order as the API shows it; with `sequential-ids` the id is the auto-increment integer.
 *
 * @example
 * ```ts
 * orderJson(context, order).id; // 1001 with sequential-ids, else "0b6f...-..." (a UUID)
 * ```
 */
export function orderJson(context: DemoContext, order: DemoOrder): Record<string, unknown> {
  return {
    id: context.has("sequential-ids") ? Number(order.id) : order.id,
    ownerId: order.ownerId,
    item: order.item,
    quantity: order.quantity,
    status: order.status,
    createdAt: order.createdAt,
  };
}

/**
 * The order routes. Orders belong to their owner: others get a 404 (not a 403, which would
 * confirm the order exists), except with `bola`. With `user-id-in-path`, orders are also
 * addressed by user id, `/api/users/:id/orders`, and that route checks nothing.
 *
 * @example
 * ```ts
 * const routes = ordersRoutes(context);
 * ```
 */
export function ordersRoutes(context: DemoContext): Route[] {
  const listOwn: Route["handler"] = (request, ctx, principal) =>
    list(ctx, request, me(principal).id);
  const routes: Route[] = [
    { method: "GET", path: "/api/orders", auth: "user", handler: listOwn },
    { method: "GET", path: "/api/me/orders", auth: "user", handler: listOwn },
    {
      method: "POST",
      path: "/api/orders",
      auth: "user",
      accepts: ["application/json"],
      handler: (request, ctx, principal) => {
        const input = fieldsOf(request, ORDER_FIELDS);
        const errors = [...checkItem(input.item, true), ...checkQuantity(input.quantity, true)];
        if (errors.length > 0) throw new HttpError(400, "The order was refused.", errors);
        const order: DemoOrder = {
          id: ctx.store.nextOrderId(),
          ownerId: me(principal).id,
          item: String(input.item).trim(),
          quantity: Number(input.quantity),
          status: "open",
          createdAt: new Date().toISOString(),
        };
        ctx.store.orders.push(order);
        return {
          status: 201,
          headers: { Location: `/api/orders/${encodeURIComponent(order.id)}` },
          body: orderJson(ctx, order),
        };
      },
    },
    {
      method: "GET",
      path: "/api/orders/:id",
      auth: "user",
      handler: (request, ctx, principal) => ({
        status: 200,
        body: orderJson(ctx, findOrder(ctx, request, me(principal))),
      }),
    },
    {
      method: "PATCH",
      path: "/api/orders/:id",
      auth: "user",
      accepts: PATCH_BODY_TYPES,
      handler: (request, ctx, principal) => {
        const order = findOrder(ctx, request, me(principal));
        const input = fieldsOf(request, PATCH_FIELDS);
        const { item, quantity, status } = input;
        const errors = [...checkItem(item, false), ...checkQuantity(quantity, false)];
        if (status !== undefined && status !== "open" && status !== "cancelled") {
          errors.push({ pointer: "/status", detail: 'must be "open" or "cancelled"' });
        }
        if (errors.length > 0) throw new HttpError(400, "The order update was refused.", errors);
        if (typeof item === "string") order.item = item.trim();
        if (typeof quantity === "number") order.quantity = quantity;
        if (status === "open" || status === "cancelled") order.status = status;
        return { status: 200, body: orderJson(ctx, order) };
      },
    },
    {
      method: "DELETE",
      path: "/api/orders/:id",
      auth: context.has("delete-without-auth") ? "none" : "user",
      handler: (request, ctx, principal) => {
        // The flaw (`delete-without-auth`): no caller at all, the order is found by id alone.
        const order = principal
          ? findOrder(ctx, request, me(principal))
          : ctx.store.orders.find((o) => o.id === request.params.id);
        if (!order) throw new HttpError(404, "No such order.");
        ctx.store.orders.splice(ctx.store.orders.indexOf(order), 1);
        return { status: 204 };
      },
    },
  ];
  if (context.has("user-id-in-path")) {
    routes.push({
      method: "GET",
      path: "/api/users/:id/orders",
      auth: "user",
      // The flaw: the path names the owner and nothing compares it with the caller.
      handler: (request, ctx) => {
        const owner = ctx.store.findUserById(request.params.id ?? "");
        if (!owner) throw new HttpError(404, "No such user.");
        return list(ctx, request, owner.id);
      },
    });
  }
  return routes;
}

function list(context: DemoContext, request: DemoRequest, ownerId: string) {
  const paging = pagingOf(context, request.url.searchParams);
  const own = context.store.orders.filter((o) => o.ownerId === ownerId);
  return { status: 200, body: pageOf(own, paging, (o) => orderJson(context, o)) };
}

function findOrder(context: DemoContext, request: DemoRequest, user: DemoUser): DemoOrder {
  const order = context.store.orders.find((o) => o.id === request.params.id);
  // The flaw (`bola`): the lookup is by id alone, whoever asks.
  if (!order || (order.ownerId !== user.id && !context.has("bola"))) {
    throw new HttpError(404, "No such order.");
  }
  return order;
}

function fieldsOf(request: DemoRequest, allowed: readonly string[]): Record<string, unknown> {
  const input = jsonObject(request);
  const unknown = Object.keys(input).filter((k) => !allowed.includes(k));
  if (unknown.length > 0) {
    const errors = unknown.map((k) => ({ pointer: pointerTo(k), detail: "is not a known field" }));
    throw new HttpError(400, "The body has fields this operation does not take.", errors);
  }
  return input;
}

function checkItem(item: unknown, required: boolean): InputError[] {
  if (item === undefined && !required) return [];
  const ok = typeof item === "string" && item.trim().length >= 1 && item.length <= 100;
  return ok ? [] : [{ pointer: "/item", detail: "must be a string of 1 to 100 characters" }];
}

function checkQuantity(quantity: unknown, required: boolean): InputError[] {
  if (quantity === undefined && !required) return [];
  const ok = Number.isInteger(quantity) && Number(quantity) >= 1 && Number(quantity) <= 1000;
  return ok ? [] : [{ pointer: "/quantity", detail: "must be an integer from 1 to 1000" }];
}
