import { type Static, type TObject, type TSchema, Type } from "@sinclair/typebox";

/** A size in bytes, as the config writes one. */
export const Bytes = Type.Integer({ minimum: 0, maximum: 1024 * 1024 * 1024 });

/** The type of a resolved option from the type of its default (`8` is any number). */
export type Widen<T> = T extends number
  ? number
  : T extends boolean
    ? boolean
    : T extends readonly string[]
      ? readonly string[]
      : T extends string
        ? T
        : { readonly [K in keyof T]: Widen<T[K]> };

/**
 * A policy's section of `policies:` in the config (on a route, or in `defaults`): owned by the
 * policy, listed once in the registry (registry.ts), from which the config schema, the defaults
 * and the route table's resolution are built.
 */
export interface PolicyOptionsSpec<
  K extends string = string,
  S extends TObject = TObject,
  D extends object = object,
> {
  /** The section's key: `policies.<key>`. */
  readonly key: K;
  /** Its JSON schema (TypeBox), every option optional. */
  readonly schema: S;
  /** Every option's default: the secure choice, with its reason beside it. */
  readonly defaults: D;
  /**
   * A route's options from those it inherits (`base`) and its own (`over`, validated by
   * `schema`); by default, option by option.
   */
  resolve(base: Widen<D>, over: Static<S>): Widen<D>;
}

/**
 * Declares a policy's options section.
 *
 * @example
 * ```ts
 * export const debugScrubOptions = policyOptions(
 *   "debug",
 *   Type.Object({ maxBytes: Type.Optional(Bytes) }, { additionalProperties: false }),
 *   { maxBytes: 256 * 1024 },
 * );
 * ```
 */
export function policyOptions<const K extends string, S extends TObject, D extends object>(
  key: K,
  schema: S,
  defaults: D,
  resolve: (base: Widen<D>, over: Static<S>) => Widen<D> = optionByOption,
): PolicyOptionsSpec<K, S, D> {
  return Object.freeze({ key, schema, defaults: Object.freeze(defaults), resolve });
}

function optionByOption<D>(base: D, over: object): D {
  return { ...base, ...over };
}

/**
 * A key of its own on a route (`routes[].<key>`, and in `defaults` when `inDefaults`), owned by
 * the policy that reads it, listed once in the registry (ROUTE_FIELDS); its resolved value is
 * `RouteSpec.<key>`.
 */
export interface RouteFieldSpec<
  K extends string = string,
  S extends TSchema = TSchema,
  V = unknown,
  D extends boolean = boolean,
> {
  readonly key: K;
  readonly schema: S;
  /** Whether `defaults` may set it too (the route's own value wins, whole). */
  readonly inDefaults: D;
  /**
   * The route's value (its own, else the inherited one) as the policy reads it; problems go to
   * `report` with their path below the route (`/lockout/username`).
   */
  resolve(value: Static<S> | undefined, report: (path: string, message: string) => void): V;
}

/**
 * Declares a route key of a policy.
 *
 * @example
 * ```ts
 * export const limitsField = routeField("limits", LimitsSchema, true, (value) => resolveLimits(value));
 * ```
 */
export function routeField<const K extends string, S extends TSchema, V, const D extends boolean>(
  key: K,
  schema: S,
  inDefaults: D,
  resolve: (value: Static<S> | undefined, report: (path: string, message: string) => void) => V,
): RouteFieldSpec<K, S, V, D> {
  return Object.freeze({ key, schema, inDefaults, resolve });
}
