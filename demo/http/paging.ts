import type { DemoContext } from "../types.js";
import { HttpError, type InputError } from "./problem.js";

/** Page size of lists when `?limit` is absent. */
export const DEFAULT_PAGE_SIZE = 20;

/** Largest `?limit` the hardened demo serves (EXT-06); `unbounded-input` lifts it. */
export const MAX_PAGE_SIZE = 100;

/** Where a page starts and how long it is. */
export interface Paging {
  readonly limit: number;
  readonly offset: number;
}

/** One page of a list, in the shape every list of the demo answers with. */
export interface Page<T> extends Paging {
  readonly items: T[];
  /** Length of the whole list. */
  readonly total: number;
}

/**
 * Reads `?limit` (1 to {@link MAX_PAGE_SIZE}, default {@link DEFAULT_PAGE_SIZE}) and `?offset`
 * (0 or more, default 0). A malformed value, or a limit above the cap unless `unbounded-input`
 * is on, is a 400 naming the parameter.
 *
 * @example
 * ```ts
 * pagingOf(context, new URLSearchParams("limit=5&offset=10")); // { limit: 5, offset: 10 }
 * pagingOf(context, new URLSearchParams("limit=1000")); // throws a 400, hardened
 * ```
 */
export function pagingOf(context: DemoContext, query: URLSearchParams): Paging {
  const errors: InputError[] = [];
  const limit = integerParam(query, "limit", DEFAULT_PAGE_SIZE, 1, errors);
  const offset = integerParam(query, "offset", 0, 0, errors);
  if (limit > MAX_PAGE_SIZE && !context.has("unbounded-input")) {
    errors.push({ parameter: "limit", detail: `must be at most ${MAX_PAGE_SIZE}` });
  }
  if (errors.length > 0) throw new HttpError(400, "Invalid paging parameters.", errors);
  return { limit, offset };
}

/**
 * The page of `all` that `paging` selects, each item shown by `view`.
 *
 * @example
 * ```ts
 * pageOf([1, 2, 3], { limit: 2, offset: 1 }, String); // { items: ["2", "3"], total: 3, limit: 2, offset: 1 }
 * ```
 */
export function pageOf<T, U>(all: readonly T[], paging: Paging, view: (item: T) => U): Page<U> {
  const { limit, offset } = paging;
  return {
    items: all.slice(offset, offset + limit).map((item) => view(item)),
    total: all.length,
    limit,
    offset,
  };
}

function integerParam(
  query: URLSearchParams,
  name: string,
  fallback: number,
  min: number,
  errors: InputError[],
): number {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = /^\d{1,15}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min)) errors.push({ parameter: name, detail: `must be an integer >= ${min}` });
  return value;
}
