import { Type } from "@sinclair/typebox";
import { afterString } from "../json-text.js";
import type { GuardPolicy } from "../policy.js";
import { rejection } from "../policy.js";
import { policyOptions } from "../policy-options.js";

/** `policies.json` in the config: what can be set, and the defaults (the secure choice). */
export const jsonBodyOptions = policyOptions(
  "json",
  Type.Object(
    {
      maxDepth: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      requireValid: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
  {
    /** Nesting deeper than this is refused (parser exhaustion); size is the route's bodyLimit. */
    maxDepth: 64,
    /**
     * A body declared as JSON must parse (RFC 8259): refused with 400 at the edge rather than
     * left to an upstream parser that may answer 500 or read it leniently.
     */
    requireValid: true,
  },
);

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Where the JSON body policy leaves what it parsed (`ctx.locals`), with the body it parsed, for
 * a later body policy (OpenAPI validation) that would parse the same bytes again.
 */
export const PARSED_JSON = "json-body:parsed";

/** What {@link PARSED_JSON} holds. */
export interface ParsedJson {
  readonly body: Buffer;
  readonly value: unknown;
}

/** `application/json` and every `+json` type (RFC 6839). */
export function isJson(mediaType: string): boolean {
  return mediaType === "application/json" || mediaType.endsWith("+json");
}

/**
 * The nesting depth of a JSON text, scanned without parsing (strings skipped); stops early once
 * `limit` is passed.
 */
export function jsonDepth(body: Buffer, limit: number): number {
  let depth = 0;
  let max = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x22) {
      // Strings are skipped whole (an unterminated one ends the text).
      const after = afterString(body, i + 1);
      if (after < 0) break;
      i = after - 1;
    }
    // A quote or a slash outside a string is not JSON (RFC 8259) but JSON5 and other lenient
    // parsers read it as a string or a comment, which may hide a '"' and, behind it, the
    // nesting: count every bracket from here on, whatever it stands in.
    else if (c === 0x27 || c === 0x2f) return Math.max(max, depth + bracketDepth(body, i, limit));
    else if (c === 0x7b || c === 0x5b) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** The deepest bracket nesting from `start` on, strings or not; stops once `limit` is passed. */
function bracketDepth(body: Buffer, start: number, limit: number): number {
  let depth = 0;
  let max = 0;
  for (let i = start; i < body.length && max <= limit; i++) {
    const c = body[i];
    if (c === 0x7b || c === 0x5b) max = Math.max(max, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return max;
}

/** JSON bodies: nesting deeper than a limit is refused (EXT-06: parser exhaustion). */
export const jsonBodyPolicy: GuardPolicy = {
  id: "json-depth-limit",
  options: jsonBodyOptions,
  items: ["EXT-06"],
  title: "JSON request bodies that do not parse, or nest deeper than the limit, are refused",
  create(route) {
    if (!route.accepts.some(isJson)) return undefined;
    const max = route.policies.json.maxDepth;
    const refused = rejection(
      jsonBodyPolicy,
      400,
      "Bad Request",
      `JSON documents may not be nested deeper than ${max} levels.`,
    );
    const invalid = rejection(
      jsonBodyPolicy,
      400,
      "Bad Request",
      "The request body is not valid JSON.",
    );
    const requireValid = route.policies.json.requireValid;
    // Only for a route that validates: a parsed body nobody reads would live as long as the
    // request (the upstream's answer included), and hundreds in flight make every GC slower.
    const handOver = route.operations.size > 0 && route.policies.validation.mode !== "off";
    return {
      wantsRequestBody: (ctx) => isJson(ctx.contentType),
      onRequestBody(body, ctx) {
        if (jsonDepth(body, max) > max) return refused;
        if (!requireValid || body.length === 0) return undefined;
        let value: unknown;
        try {
          // Only a fatal decoder: Buffer#toString would replace bad UTF-8 and hide it (RFC 8259 8.1).
          value = JSON.parse(UTF8.decode(body));
        } catch {
          return invalid;
        }
        if (handOver) {
          ctx.locals ??= new Map();
          ctx.locals.set(PARSED_JSON, { body, value } satisfies ParsedJson);
        }
        return undefined;
      },
    };
  },
};
