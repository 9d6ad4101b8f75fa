import { mediaTypeOf } from "../http/negotiation.js";
import { HttpError } from "../http/problem.js";
import type { DemoContext, DemoRequest, DemoResponse, Principal, Route } from "../types.js";
import { createOrders, type RawOrder } from "./orders.js";
import { ordersFromXml, XML_EXPANSION_CAP } from "./orders-xml.js";
import { ordersFromYaml } from "./orders-yaml.js";
import { XmlError } from "./xml.js";

const XML_TYPES = ["application/xml", "text/xml"];
const YAML_TYPES = ["application/yaml", "application/x-yaml"];

/**
 * `POST /api/orders/import`: creates the caller's orders from an XML or YAML document and echoes
 * them (201 `{imported, orders}`), so that whatever a parser made of the document shows.
 *
 * @example
 * ```ts
 * // POST /api/orders/import (Content-Type: application/xml)
 * // <orders><order><item>Gear</item><quantity>2</quantity></order></orders>
 * // 201 {"imported":1,"orders":[{"id":"...","item":"Gear","quantity":2,...}]}
 * ```
 */
export function importsRoutes(_context: DemoContext): Route[] {
  return [
    {
      method: "POST",
      path: "/api/orders/import",
      auth: "user",
      accepts: [...XML_TYPES, ...YAML_TYPES],
      handler: importOrders,
    },
  ];
}

async function importOrders(
  request: DemoRequest,
  context: DemoContext,
  principal: Principal | undefined,
): Promise<DemoResponse> {
  if (!principal) throw new HttpError(401, "Authentication required.");
  const text = request.body.toString("utf8");
  const type = mediaTypeOf(request.headers["content-type"]) ?? "";
  // With `no-415`, any declared type gets here: the document itself tells which parser to use.
  const xml =
    XML_TYPES.includes(type) || (!YAML_TYPES.includes(type) && text.trimStart().startsWith("<"));
  const raw: RawOrder[] = xml ? await fromXml(text, context) : ordersFromYaml(text, context);
  const lax = xml
    ? context.has("xxe") || context.has("xml-entity-expansion")
    : context.has("yaml-alias-expansion");
  return createOrders(context, principal.user, raw, lax);
}

async function fromXml(text: string, context: DemoContext): Promise<RawOrder[]> {
  try {
    return await ordersFromXml(text, context);
  } catch (error) {
    if (!(error instanceof XmlError)) throw error;
    if (error.kind === "limit" && context.has("xml-entity-expansion")) {
      throw new HttpError(413, `The expanded document exceeds ${XML_EXPANSION_CAP} characters.`);
    }
    if (error.kind === "limit") throw new HttpError(400, "Entity expansion limit exceeded.");
    if (error.kind === "doctype") throw new HttpError(400, "DOCTYPE is not allowed.");
    throw new HttpError(400, capitalised(error.message));
  }
}

function capitalised(message: string): string {
  return `${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
}
