import type { Finding } from "../../../core/finding.js";
import { type Identity, identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";
import {
  type Collection,
  collectionsOf,
  createdId,
  delivers,
  itemUrl,
  listAs,
  type ObjectRef,
} from "./objects.js";

/** Objects of one identity tried per collection: enough to prove the flaw, few requests. */
const OBJECTS_PER_COLLECTION = 2;

/** The first two identities, or the reason BOLA cannot be tested. */
async function pair(context: CheckContext): Promise<[Identity, Identity] | string> {
  const { list, problems } = await identitiesOf(context);
  const [a, b] = list;
  if (a && b) return [a, b];
  if (problems.length > 0) return problems.join("; ");
  return "needs two identities (scan.identities in rampart.yaml)";
}

/**
 * A's objects that B does not see in its own listing: objects both see (a directory, a shared
 * catalogue) are not B's to be refused.
 */
async function privateObjects(
  context: CheckContext,
  a: Identity,
  b: Identity,
  collection: Collection,
): Promise<ObjectRef[]> {
  const [mine, theirs] = await Promise.all([
    listAs(context, a, collection),
    listAs(context, b, collection),
  ]);
  const visibleToB = new Set(theirs.objects.map((o) => o.id));
  return mine.objects.filter((o) => !visibleToB.has(o.id)).slice(0, OBJECTS_PER_COLLECTION);
}

/**
 * PROC-02 (read): objects the first identity lists, read by the second one. Only reads: the
 * writes are {@link bolaWriteCheck}'s, in the `full` profile, on objects the scan created.
 */
export const bolaReadCheck: ScanCheck = {
  id: "proc-02-bola-read",
  items: ["PROC-02"],
  proves: ["PROC-02"],
  severity: "high",
  intrusive: false,
  needs: ["operations"],
  title: "Users cannot read each other's objects",
  async run(context) {
    const identities = await pair(context);
    if (typeof identities === "string") return notTested(identities);
    const [a, b] = identities;
    const findings: Finding[] = [];
    const tried = new Set<string>();
    for (const collection of collectionsOf(context.target.operations)) {
      const get = collection.item.find((o) => o.method === "GET");
      for (const object of await privateObjects(context, a, b, collection)) {
        // The owner must be able to read it, or the URL is not the object's.
        const own = await sendAs(context, a, { url: object.url, headers: ACCEPT });
        if (!delivers(own, context.target.baseline)) continue;
        const exchange = await sendAs(context, b, { url: object.url, headers: ACCEPT });
        if (get) tried.add(get.path);
        if (!delivers(exchange, context.target.baseline) || !sameObject(exchange, object.id))
          continue;
        findings.push(
          context.finding({
            title: "User reads another user's object (BOLA)",
            detail: `Identity "${b.name}" read ${collection.list.path}/${object.id}, an object of "${a.name}" that "${b.name}" does not see in its own list: the object is looked up by id without checking its owner.`,
            exchange,
            body: true,
            subject: `${collection.list.path}:read`,
          }),
        );
        break;
      }
    }
    return ran(findings, objectSurface(context, ["GET"], tried, 2));
  },
};

/**
 * The operations that address one object (a path parameter) with the given methods, and how
 * many of them were tried as another identity.
 */
function objectSurface(
  context: CheckContext,
  methods: readonly string[],
  tried: ReadonlySet<string>,
  identities: number,
) {
  const addressed = context.target.operations.filter(
    (o) => methods.includes(o.method) && /\{[^}]+\}/.test(o.path),
  );
  const paths = new Set(addressed.map((o) => `${o.method} ${o.path}`));
  const done = [...paths].filter((k) => tried.has(k.slice(k.indexOf(" ") + 1))).length;
  const gaps =
    done < paths.size
      ? [
          `${paths.size - done} operations addressing an object were not tried as another identity (no object of the first identity found for them)`,
        ]
      : [];
  return covered(done, paths.size, "operations", [...gaps, ...undescribed(context)], identities);
}

/**
 * PROC-02 (write, `full` profile): the first identity creates an object, the second one changes
 * it (the same values written back) and deletes it; the scan deletes what is left.
 */
export const bolaWriteCheck: ScanCheck = {
  id: "proc-02-bola-write",
  items: ["PROC-02"],
  proves: ["PROC-02"],
  severity: "critical",
  intrusive: true,
  needs: ["operations"],
  title: "Users cannot change or delete each other's objects",
  async run(context) {
    const identities = await pair(context);
    if (typeof identities === "string") return notTested(identities);
    const [a, b] = identities;
    const findings: Finding[] = [];
    const tried = new Set<string>();
    for (const collection of collectionsOf(context.target.operations)) {
      const { create } = collection;
      const patch = collection.item.find((o) => o.method === "PATCH" || o.method === "PUT");
      const remove = collection.item.find((o) => o.method === "DELETE");
      if (!create?.exampleBody || (!patch && !remove)) continue;
      const created = await sendAs(context, a, {
        method: "POST",
        url: create.url,
        headers: { ...ACCEPT, "content-type": "application/json" },
        body: create.exampleBody,
      });
      const id = ok(created) ? createdId(created) : undefined;
      if (id === undefined) continue;
      const url = itemUrl(collection, id);
      for (const op of [patch, remove]) if (op) tried.add(op.path);
      let deleted = false;
      try {
        if (patch) {
          const value = jsonObject(created?.body ?? "") ?? {};
          const exchange = await sendAs(context, b, {
            method: patch.method,
            url,
            headers: { ...ACCEPT, "content-type": jsonType(patch.bodyTypes) },
            body: JSON.stringify(harmlessChange(value, patch.exampleBody)),
          });
          if (ok(exchange))
            findings.push(
              context.finding({
                title: "User changes another user's object (BOLA)",
                detail: `Identity "${b.name}" sent ${patch.method} ${collection.list.path}/${id} (an object "${a.name}" created, its own values written back) and got ${exchange.status}: writes are not checked against the owner.`,
                exchange,
                body: true,
                subject: `${collection.list.path}:change`,
              }),
            );
        }
        if (remove) {
          const exchange = await sendAs(context, b, { method: "DELETE", url, headers: ACCEPT });
          if (ok(exchange)) {
            deleted = true;
            findings.push(
              context.finding({
                title: "User deletes another user's object (BOLA)",
                detail: `Identity "${b.name}" deleted ${collection.list.path}/${id}, an object "${a.name}" created, and got ${exchange.status}.`,
                exchange,
                subject: `${collection.list.path}:delete`,
              }),
            );
          }
        }
      } finally {
        if (!deleted && remove)
          await sendAs(context, a, { method: "DELETE", url, headers: ACCEPT });
      }
    }
    return ran(findings, objectSurface(context, ["PATCH", "PUT", "DELETE"], tried, 2));
  },
};

const ACCEPT = { accept: "application/json" };

/** A write answered with success (a 2xx that is not an error in disguise). */
const ok = (exchange: Exchange | undefined): exchange is Exchange => delivers(exchange);

function jsonType(types: readonly string[]): string {
  return (
    types.find((t) => t === "application/json") ??
    types.find((t) => /json/.test(t)) ??
    "application/json"
  );
}

/** The fields the update takes, with the values the object already has: a change that changes nothing. */
function harmlessChange(
  value: Readonly<Record<string, unknown>>,
  example: string | undefined,
): Record<string, unknown> {
  const fields = Object.keys(jsonObject(example ?? "") ?? {});
  const body = Object.fromEntries(fields.filter((f) => f in value).map((f) => [f, value[f]]));
  return Object.keys(body).length > 0 ? body : {};
}

/** The answer is the object asked for (not a generic page): it carries the id. */
function sameObject(exchange: Exchange, id: string): boolean {
  const body = jsonObject(exchange.body);
  return body !== undefined && Object.values(body).some((v) => String(v) === id);
}
