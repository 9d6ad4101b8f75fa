import { HttpError, type InputError } from "../http/problem.js";
import { orderJson } from "../routes/orders.js";
import type { DemoContext, DemoOrder, DemoUser } from "../types.js";

/** An order as an import document states it, before validation. */
export interface RawOrder {
  readonly item: unknown;
  readonly quantity: unknown;
}

/** Orders one import may create at most. */
export const MAX_IMPORTED_ORDERS = 1000;

/**
 * Validates imported orders like `POST /api/orders` does (item: 1 to 100 characters, quantity:
 * an integer from 1 to 1000), all problems reported at once, then creates them for `owner`.
 * `lax` is the importer of a flawed parser: it takes whatever the parser made of the document,
 * coerced to text and unbounded in length, which is what makes an expansion visible.
 *
 * @example
 * ```ts
 * createOrders(context, alice, [{ item: "Gear", quantity: "2" }], false);
 * // 201 {"imported":1,"orders":[{"id":"...","item":"Gear","quantity":2,...}]}
 * ```
 */
export function createOrders(
  context: DemoContext,
  owner: DemoUser,
  raw: readonly RawOrder[],
  lax: boolean,
): { status: number; body: unknown } {
  if (raw.length === 0) throw new HttpError(400, "The import contains no orders.");
  if (raw.length > MAX_IMPORTED_ORDERS) {
    throw new HttpError(400, `An import may contain ${MAX_IMPORTED_ORDERS} orders at most.`);
  }
  const errors: InputError[] = [];
  const valid = raw.map((order, index) => {
    const item = typeof order.item === "string" || lax ? String(order.item ?? "").trim() : "";
    const quantity = Number(
      typeof order.quantity === "string" ? order.quantity.trim() : order.quantity,
    );
    if (item === "" || (!lax && item.length > 100)) {
      errors.push({
        pointer: `/orders/${index}/item`,
        detail: "must be a string of 1 to 100 characters",
      });
    }
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
      errors.push({
        pointer: `/orders/${index}/quantity`,
        detail: "must be an integer from 1 to 1000",
      });
    }
    return { item, quantity };
  });
  if (errors.length > 0) throw new HttpError(400, "The import was refused.", errors);
  const createdAt = new Date().toISOString();
  const orders = valid.map(({ item, quantity }): DemoOrder => {
    const order: DemoOrder = {
      id: context.store.nextOrderId(),
      ownerId: owner.id,
      item,
      quantity,
      status: "open",
      createdAt,
    };
    context.store.orders.push(order);
    return order;
  });
  return {
    status: 201,
    body: { imported: orders.length, orders: orders.map((o) => orderJson(context, o)) },
  };
}
