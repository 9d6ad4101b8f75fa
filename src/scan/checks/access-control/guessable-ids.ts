import type { Finding } from "../../../core/finding.js";
import { type Identity, identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, ran } from "../outcome.js";
import {
  anonymousGet,
  type Collection,
  collectionsOf,
  createdId,
  idOf,
  itemUrl,
  listAs,
  objectsOf,
} from "./objects.js";

/** Integers, as numbers or digit strings, up to 12 digits: enumerable by counting. */
const NUMERIC_ID = /^\d{1,12}$/;

/**
 * Ids an attacker can guess: integers (auto-increment keys). UUIDs and other random strings
 * pass; short opaque strings are left alone (too weak an evidence to report).
 *
 * @example
 * ```ts
 * guessableIds(["1001", "1002"]); // { ids: ["1001", "1002"], sequential: true }
 * ```
 */
export function guessableIds(ids: readonly string[]): { ids: string[]; sequential: boolean } {
  const numeric = ids.filter((id) => NUMERIC_ID.test(id));
  const sorted = [...new Set(numeric.map(Number))].sort((x, y) => x - y);
  const sequential =
    sorted.length >= 2 && sorted.every((n, i) => i === 0 || n - (sorted[i - 1] ?? 0) <= 100);
  return { ids: numeric, sequential };
}

/**
 * PROC-03: ids in the list answers of protected collections and in `Location` headers are not
 * integers an attacker can count through. Lists are read as the primary identity (or with the
 * scan's credentials).
 */
export const guessableIdsCheck: ScanCheck = {
  id: "proc-03-guessable-ids",
  items: ["PROC-03"],
  proves: ["PROC-03"],
  severity: "medium",
  intrusive: false,
  needs: [],
  title: "Identifiers are not sequential or guessable",
  async run(context) {
    const sources = await answersWithIds(context);
    const findings: Finding[] = [];
    for (const { exchange, ids, where } of sources) {
      const { ids: numeric, sequential } = guessableIds(ids);
      if (numeric.length === 0) continue;
      const path = new URL(exchange.url).pathname;
      findings.push(
        context.finding({
          title: sequential ? "Sequential integer ids" : "Integer ids",
          detail: `${where} of ${exchange.method} ${path} carries ${sequential ? "sequential " : ""}integer ids (${numeric.slice(0, 5).join(", ")}): anyone can enumerate the other objects by counting.`,
          exchange,
          ...(where === "the Location header" ? { headers: ["location"] } : { body: true }),
          subject: path,
        }),
      );
    }
    const secured = collectionsOf(context.target.operations).filter((c) => c.list.secured);
    const gaps = [
      "public collections, ids inside nested objects and ids in paths are not judged",
      ...(sources.length < secured.length
        ? [`${secured.length - sources.length} protected collections gave no id to judge`]
        : []),
    ];
    return ran(
      findings,
      covered(sources.length, Math.max(secured.length, sources.length), "collections", gaps),
    );
  },
};

/**
 * The collection's objects are read by these ids: an API that lists a counter `id` but reads
 * objects by a random `documentId` (Strapi 5) answers `GET /articles/1` with 404, and counting
 * gets nobody anywhere. Only a read the document declares is asked; an item that is only
 * written or deleted is taken at the document's word.
 */
async function addressedBy(
  context: CheckContext,
  collection: Collection,
  ids: readonly string[],
  primary: Identity | undefined,
): Promise<boolean> {
  const first = ids.find((id) => NUMERIC_ID.test(id));
  if (first === undefined || !collection.item.some((o) => o.method === "GET")) return true;
  const request = { url: itemUrl(collection, first), headers: { accept: "application/json" } };
  const answer = primary
    ? await sendAs(context, primary, request)
    : await context.http.trySend(request);
  return answer === undefined || ![400, 404, 410, 422].includes(answer.status);
}

async function answersWithIds(
  context: CheckContext,
): Promise<{ exchange: Exchange; ids: string[]; where: string }[]> {
  const result: { exchange: Exchange; ids: string[]; where: string }[] = [];
  const seen = new Set<string>();
  const add = (exchange: Exchange, ids: string[], where: string) => {
    const key = `${exchange.method} ${new URL(exchange.url).pathname}`;
    // The same objects listed again elsewhere (`/me/orders` beside `/orders`) say nothing new.
    const sameObjects = `ids ${[...ids].sort().join(",")}`;
    if (ids.length === 0 || seen.has(key) || seen.has(sameObjects)) return;
    seen.add(key);
    seen.add(sameObjects);
    result.push({ exchange, ids, where });
  };
  const { list } = await identitiesOf(context);
  const primary = list[0];
  // Public catalogues are enumerable by design: only collections behind credentials count.
  for (const collection of collectionsOf(context.target.operations).filter((c) => c.list.secured)) {
    const answer = primary
      ? await listAs(context, primary, collection)
      : await context.http
          .trySend({ url: collection.list.url, headers: { accept: "application/json" } })
          .then((exchange) => ({ exchange, objects: [] }));
    const exchange = answer.exchange;
    if (exchange?.status !== 200) continue;
    const ids = objectsOf(exchange.body).flatMap((o) => idOf(o) ?? []);
    if (await addressedBy(context, collection, ids, primary)) add(exchange, ids, "the list answer");
  }
  // Lists no document describes (crawled, from a collection or a recording) count when they
  // refuse a caller without credentials: the same protection, learnt from the answers. A
  // described operation's security is the document's to say.
  const listed = new Set(collectionsOf(context.target.operations).map((c) => c.list.path));
  for (const op of context.target.operations) {
    if (op.method !== "GET" || listed.has(op.path) || op.path.includes("{")) continue;
    if (op.source === undefined || op.source === "document") continue;
    const anonymous = await anonymousGet(context, op.url);
    if (!refusesAnonymous(anonymous)) continue;
    const exchange = primary
      ? await sendAs(context, primary, { url: op.url, headers: { accept: "application/json" } })
      : await context.http.trySend({ url: op.url, headers: { accept: "application/json" } });
    if (exchange?.status === 200)
      add(
        exchange,
        objectsOf(exchange.body).flatMap((o) => idOf(o) ?? []),
        "the list answer",
      );
  }
  for (const { exchange } of context.target.observed) {
    if (exchange.status === 201 && exchange.headers.location) {
      const id = createdId(exchange);
      if (id !== undefined) add(exchange, [id], "the Location header");
    }
  }
  return result;
}

/** 401 / 403, or a redirect (to a login page): the list needs credentials. */
function refusesAnonymous(exchange: Exchange | undefined): boolean {
  return (
    exchange !== undefined &&
    (exchange.status === 401 ||
      exchange.status === 403 ||
      (exchange.status >= 300 && exchange.status < 400 && exchange.headers.location !== undefined))
  );
}
