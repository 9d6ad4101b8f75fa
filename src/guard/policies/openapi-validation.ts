import { Type } from "@sinclair/typebox";
import type { ValidateFunction } from "ajv";
import { StringEnum } from "../../core/validate.js";
import type {
  BodyCheck,
  CompiledOperation,
  LocationCheck,
  ResponseShape,
  Violation,
} from "../contract/contract.js";
import { violationOf } from "../contract/contract.js";
import {
  cookieInputs,
  formInputs,
  type Inputs,
  multipartInputs,
  pathReader,
  queryInputs,
} from "../contract/inputs.js";
import type { GuardPolicy, PolicyHooks, Rejection, RequestContext } from "../policy.js";
import { rejection } from "../policy.js";
import { Bytes, policyOptions } from "../policy-options.js";
import { isJson, PARSED_JSON, type ParsedJson } from "./json-body.js";
import { mediaTypeOf } from "./response-type.js";

/** `policies.validation` in the config: what can be set, and the defaults (the secure choice). */
export const validationOptions = policyOptions(
  "validation",
  Type.Object(
    {
      mode: Type.Optional(
        StringEnum(["enforce", "report", "off"] as const, {
          description:
            "with an OpenAPI document: refuse what it does not allow (enforce), only log and count it (report), or skip the route (off)",
        }),
      ),
      unknownProperties: Type.Optional(
        StringEnum(["refuse", "strip"] as const, {
          description:
            "a request body property a closed schema does not declare: 400 (refuse) or removed before forwarding (strip)",
        }),
      ),
      responses: Type.Optional(
        StringEnum(["remove", "block", "report"] as const, {
          description:
            "undeclared and writeOnly JSON response properties: removed, the response withheld with 502, or only logged",
        }),
      ),
      undeclaredStatus: Type.Optional(
        StringEnum(["report", "problem"] as const, {
          description:
            "a response status the operation does not declare: logged and counted, or replaced with a 502 problem",
        }),
      ),
      maxBytes: Type.Optional(Bytes),
    },
    { additionalProperties: false },
  ),
  {
    /**
     * The positive security model, with an OpenAPI document (`--openapi`): requests that the
     * document does not allow are refused with 400 (`enforce`), or only logged and counted
     * (`report`, for a first rollout); `off` skips the route. Without a document it does nothing.
     */
    mode: "enforce" as "enforce" | "report" | "off",
    /**
     * A request body property that a closed schema (`additionalProperties: false`) does not
     * declare: refused with 400 (`refuse`), or removed before the body is forwarded (`strip`).
     */
    unknownProperties: "refuse" as "refuse" | "strip",
    /**
     * JSON response properties the response schema does not declare, and `writeOnly` ones:
     * removed (`remove`), the response withheld with 502 (`block`), or only logged (`report`).
     */
    responses: "remove" as "remove" | "block" | "report",
    /**
     * A response status the operation does not declare (nor `default`, nor `4XX`-style): logged
     * and counted (`report`), or replaced with a 502 problem document (`problem`).
     */
    undeclaredStatus: "report" as "report" | "problem",
    /** JSON responses up to this size are filtered; a longer one is withheld (502). */
    maxBytes: 1024 * 1024,
  },
);

const LOCAL = "openapi-validation";

/**
 * The positive security model (IN-04, EXT-05, OUT-06): with an OpenAPI document, a request is
 * forwarded only if its path, query, declared headers and cookies, and its body (JSON, form,
 * multipart field names) match the operation it calls, `readOnly` properties included (mass
 * assignment); and JSON responses lose what the operation's response schema does not declare
 * (and `writeOnly` properties) before they leave. Validators are compiled when the route table
 * is built; `report` mode logs and counts without refusing, for a first rollout.
 */
export const openApiValidationPolicy: GuardPolicy = {
  id: "openapi-validation",
  options: validationOptions,
  items: ["IN-04", "EXT-05", "OUT-06"],
  title:
    "Requests the OpenAPI document does not allow are refused with 400; undeclared and writeOnly response properties are removed",
  create(route) {
    const options = route.policies.validation;
    if (options.mode === "off" || route.operations.size === 0) return undefined;
    const operations = new Map<string, Prepared>();
    for (const [method, contract] of route.operations) {
      let compiled: CompiledOperation;
      try {
        compiled = contract.compile({ strip: options.unknownProperties === "strip" });
      } catch (error) {
        // A schema ajv cannot compile is a problem of the config's document, found at load.
        throw new TypeError(`operation ${contract.id}: ${(error as Error).message}`);
      }
      operations.set(method, {
        op: compiled,
        readPath: pathReader(route.path, compiled.pathNames),
      });
    }
    const enforce = options.mode === "enforce";
    const strip = options.unknownProperties === "strip";
    const filter = options.mode === "enforce" ? options.responses : "report";
    const maxBytes = options.maxBytes;
    const produces = new Set(route.produces);
    const undeclaredStatus = rejection(
      { id: openApiValidationPolicy.id, items: ["OUT-07"] },
      502,
      "Bad Gateway",
      "The upstream answered with a status its API description does not declare.",
    );
    const blocked = rejection(
      { id: openApiValidationPolicy.id, items: ["OUT-06"] },
      502,
      "Bad Gateway",
      "The upstream response holds properties its API description does not declare.",
    );
    const operationOf = (ctx: RequestContext): Prepared | undefined => {
      const method = ctx.req.method ?? "";
      return operations.get(method) ?? (method === "HEAD" ? operations.get("GET") : undefined);
    };
    /** Counts a violation; in enforce mode answers it with 400, in report mode logs it. */
    const refuse = (ctx: RequestContext, op: CompiledOperation, v: Violation) => {
      const runtime = ctx.runtime;
      runtime.metrics.validation.labels(op.id, v.reason, enforce ? "refused" : "reported").inc();
      if (enforce) return requestRejection(v);
      runtime.logger.warn({
        event: "validation-report",
        id: ctx.id,
        operation: op.id,
        location: v.location,
        reason: v.reason,
      });
      return undefined;
    };

    const checkRequest = (ctx: RequestContext): Rejection | undefined => {
      const prepared = operationOf(ctx);
      if (!prepared) return undefined;
      const { op } = prepared;
      const v = checkHead(ctx, prepared);
      if (v) return refuse(ctx, op, v);
      if (op.bodyRequired && !ctx.hasBody)
        return refuse(ctx, op, {
          location: "body",
          reason: "required",
          message: "body is required",
        });
      return undefined;
    };
    // Behind authentication, scopes and rate limits (checks with I/O): a caller without a
    // token gets 401 and learns nothing of the schema, and a fuzzing client is still counted.
    const afterAsyncChecks =
      (!route.public && route.authentication === "required") ||
      route.limits !== undefined ||
      route.scopes.length > 0;
    const hooks: PolicyHooks = {
      ...(afterAsyncChecks
        ? { onRequestAsync: async (ctx: RequestContext) => checkRequest(ctx) }
        : { onRequest: checkRequest }),
      wantsRequestBody(ctx) {
        const bodies = operationOf(ctx)?.op.bodies;
        // XML, YAML and binary bodies are not validated: they stream on unread (their own
        // policies read them when they must).
        const check = bodies && bodyCheckFor(bodies, ctx.contentType);
        return check !== undefined && check.kind !== "other";
      },
      onRequestBody(body, ctx) {
        const prepared = operationOf(ctx);
        const check = prepared?.op.bodies && bodyCheckFor(prepared.op.bodies, ctx.contentType);
        if (!prepared || !check) return undefined;
        const result = checkBody(check, body, ctx, strip && enforce);
        if (result === undefined) return undefined;
        if ("body" in result) return result;
        return refuse(ctx, prepared.op, result);
      },
      onResponseHead(head, ctx) {
        const prepared = operationOf(ctx);
        if (!prepared) return undefined;
        const shapes = responseFor(prepared.op, head.status);
        if (shapes === undefined) {
          ctx.runtime.metrics.validation
            .labels(
              prepared.op.id,
              "undeclared-status",
              enforce && options.undeclaredStatus === "problem" ? "blocked" : "reported",
            )
            .inc();
          ctx.runtime.logger.warn({
            event: "undeclared-status",
            id: ctx.id,
            operation: prepared.op.id,
            upstreamStatus: head.status,
          });
          return enforce && options.undeclaredStatus === "problem" ? undeclaredStatus : undefined;
        }
        const shape = shapeFor(shapes, mediaTypeOf(head.headers["content-type"]), produces);
        if (!shape) return undefined;
        ctx.locals ??= new Map();
        ctx.locals.set(LOCAL, shape);
        // Filtering must read the body whole (a longer one is withheld); reporting only peeks.
        return filter === "report" ? undefined : maxBytes;
      },
      peekResponse(_head, ctx) {
        return filter === "report" && ctx.locals?.has(LOCAL) ? maxBytes : undefined;
      },
      onResponseBody(body, head, ctx) {
        const shape = ctx.locals?.get(LOCAL) as ResponseShape | undefined;
        if (!shape) return undefined;
        // The common case, an answer that conforms, is told from its bytes without parsing.
        if (shape.projection.keepsAll(body)) return undefined;
        let value: unknown;
        try {
          value = JSON.parse(body.toString("utf8"));
        } catch {
          return undefined; // not JSON after all: the response-type policy owns that
        }
        const removed = shape.projection.project(value);
        if (removed.length === 0) return undefined;
        const op = operationOf(ctx)?.op;
        const action =
          filter === "remove" ? "removed" : filter === "block" ? "blocked" : "reported";
        ctx.runtime.metrics.validation.labels(op?.id ?? "", "undeclared-property", action).inc();
        ctx.runtime.logger.warn({
          event: "response-properties",
          id: ctx.id,
          operation: op?.id,
          upstreamStatus: head.status,
          action,
          // Pointers name the upstream's properties, never their values.
          properties: removed.slice(0, 20),
        });
        if (filter === "block") return blocked;
        if (filter === "report") return undefined;
        return { body: Buffer.from(JSON.stringify(value), "utf8") };
      },
    };
    return hooks;
  },
};

interface Prepared {
  readonly op: CompiledOperation;
  readonly readPath: (path: string) => Inputs | undefined;
}

function requestRejection(v: Violation): Rejection {
  const items =
    v.reason === "read-only" || v.reason === "unknown-property" ? ["EXT-05", "IN-04"] : ["IN-04"];
  return rejection(
    { id: openApiValidationPolicy.id, items: items as ["IN-04"] },
    400,
    "Bad Request",
    `The request does not match the API description: ${v.message}.`,
  );
}

/** Path, query, declared headers and cookies; the first violation, if any. */
function checkHead(ctx: RequestContext, prepared: Prepared): Violation | undefined {
  const { op } = prepared;
  if (op.path) {
    const values = prepared.readPath(ctx.path);
    if (values === undefined)
      return { location: "path", reason: "encoding", message: "path does not decode" };
    const v = run(op.path, values);
    if (v) return v;
  }
  if (op.query) {
    const v = run(op.query, queryInputs(ctx.query, op.commaArrays));
    if (v) return v;
  }
  if (op.header) {
    const headers = ctx.req.headers;
    const values: Inputs = Object.create(null);
    for (const name of op.header.names) {
      const value = headers[name];
      if (value !== undefined) values[name] = Array.isArray(value) ? value.join(", ") : value;
    }
    const v = run(op.header, values);
    if (v) return v;
  }
  if (op.cookie) {
    const v = run(op.cookie, cookieInputs(ctx.req.headers.cookie));
    if (v) return v;
  }
  return undefined;
}

function run(check: LocationCheck, values: Inputs): Violation | undefined {
  if (check.validate(values)) return undefined;
  const error = check.validate.errors?.[0];
  return error
    ? violationOf(error, check.label)
    : { location: "request", reason: "schema", message: "request does not match" };
}

/** The body check of a request's media type: exact, then `type/*`, then `*\/*`. */
function bodyCheckFor(
  bodies: ReadonlyMap<string, BodyCheck>,
  mediaType: string,
): BodyCheck | undefined {
  return (
    bodies.get(mediaType) ?? bodies.get(`${mediaType.split("/", 1)[0]}/*`) ?? bodies.get("*/*")
  );
}

/** A violation, a replacement body (strip), or undefined when the body is as described. */
function checkBody(
  check: BodyCheck,
  body: Buffer,
  ctx: RequestContext,
  strip: boolean,
): Violation | { readonly body: Buffer } | undefined {
  if (check.kind === "json" && check.validate) {
    let value: unknown;
    try {
      // The JSON body policy parsed these very bytes already (unless a policy rewrote them).
      const parsed = ctx.locals?.get(PARSED_JSON) as ParsedJson | undefined;
      // Read once: released now rather than held until the upstream has answered.
      if (parsed) ctx.locals?.delete(PARSED_JSON);
      value =
        parsed?.body === body
          ? parsed.value
          : body.length === 0
            ? undefined
            : JSON.parse(body.toString("utf8"));
    } catch {
      return { location: "body", reason: "syntax", message: "body is not valid JSON" };
    }
    if (value === undefined)
      return { location: "body", reason: "required", message: "body is required" };
    const v = validate(check.validate, value, "body");
    if (v) return v;
    return strip ? { body: Buffer.from(JSON.stringify(value), "utf8") } : undefined;
  }
  if (check.kind === "form" && check.validate)
    return validate(check.validate, formInputs(body), "body");
  if (check.kind === "multipart" && check.fields) {
    const names = multipartInputs(body, String(ctx.req.headers["content-type"] ?? ""));
    if (!names)
      return {
        location: "body",
        reason: "syntax",
        message: "body is not valid multipart/form-data",
      };
    for (const name of check.fields.required)
      if (!(name in names))
        return {
          location: `body field "${name}"`,
          reason: "required",
          message: `body field "${name}" is required`,
        };
    if (check.fields.closed)
      for (const name of Object.keys(names))
        if (!check.fields.declared.has(name))
          return {
            location: "body field",
            reason: "unknown-property",
            message: "body has a field the API description does not declare",
          };
  }
  return undefined;
}

function validate(fn: ValidateFunction, value: unknown, base: "body"): Violation | undefined {
  if (fn(value)) return undefined;
  const error = fn.errors?.[0];
  return error
    ? violationOf(error, base)
    : { location: base, reason: "schema", message: `${base} does not match` };
}

/** The response shapes of a status: exact, then its class (`4XX`), then `default`. */
function responseFor(
  op: CompiledOperation,
  status: number,
): ReadonlyMap<string, ResponseShape> | undefined {
  return (
    op.responses.get(String(status)) ??
    op.responses.get(`${String(status)[0]}XX`) ??
    op.responses.get("DEFAULT")
  );
}

/**
 * The JSON shape a response is projected onto: by its declared type; and, when that type is one
 * the route does not produce, the operation's JSON shape anyway: the response-type policy
 * relabels a JSON body sent as text/html, so it must not slip out unfiltered (the body is
 * parsed before projection: a body that is not JSON is left to that policy).
 */
function shapeFor(
  shapes: ReadonlyMap<string, ResponseShape>,
  mediaType: string,
  produces: ReadonlySet<string>,
): ResponseShape | undefined {
  if (!isJson(mediaType) && produces.has(mediaType)) return undefined;
  const exact = shapes.get(mediaType);
  if (exact) return exact;
  for (const [type, shape] of shapes) if (isJson(type)) return shape;
  return shapes.get("*/*") ?? shapes.get("application/*");
}
