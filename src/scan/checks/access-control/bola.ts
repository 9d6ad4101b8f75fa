import { randomBytes } from "node:crypto";
import type { Finding } from "../../../core/finding.js";
import { isOwnerName } from "../../../vocabulary/names.js";
import { parseJson } from "../../discovery.js";
import { type Identity, identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck } from "../../types.js";
import { replaceStrings } from "../injection/points.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";
import {
  type Collection,
  collectionsOf,
  createdId,
  delivers,
  idOf,
  itemUrl,
  listAs,
  type ObjectRef,
  objectsOf,
  unwrapped,
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
    // Objects no list shows (`GET /exams/{card}`, reached from a link or the document's
    // example): judged by the owner the record names.
    for (const op of context.target.operations) {
      if (op.method !== "GET" || !/\{[^}]+\}/.test(op.path) || tried.has(op.path)) continue;
      const read = await ownerNamedRead(context, a, b, op.url);
      if (read.tried) tried.add(op.path);
      if (read.finding) findings.push(read.finding);
    }
    return ran(findings, objectSurface(context, ["GET"], tried, 2));
  },
};

/** The members of a record that name its owner (`user: 1`, `owner_id: "u-7"`), scalars only. */
function ownersOf(record: Readonly<Record<string, unknown>>): [string, string | number][] {
  return Object.entries(record).filter(
    (e): e is [string, string | number] =>
      isOwnerName(e[0]) && (typeof e[1] === "string" || typeof e[1] === "number"),
  );
}

/**
 * One object, read by both identities: a record that names one owner (`user: 1`) answered to
 * two different users, while the API refuses it to anonymous callers (it is no public page), is
 * read by at least one user who is not its owner.
 */
async function ownerNamedRead(
  context: CheckContext,
  a: Identity,
  b: Identity,
  url: string,
): Promise<{ tried: boolean; finding?: Finding }> {
  const first = await sendAs(context, a, { url, headers: ACCEPT });
  if (!delivers(first, context.target.baseline)) return { tried: false };
  const owners = ownersOf(unwrapped(jsonObject(first.body) ?? {}).value);
  if (owners.length === 0) return { tried: false };
  const second = await sendAs(context, b, { url, headers: ACCEPT });
  if (!delivers(second, context.target.baseline)) return { tried: true };
  const record = unwrapped(jsonObject(second.body) ?? {}).value;
  if (!owners.every(([k, v]) => record[k] === v)) return { tried: true };
  const anonymous = await sendAs(context, undefined, { url, headers: ACCEPT });
  if (!anonymous || (anonymous.status !== 401 && anonymous.status !== 403)) return { tried: true };
  const [field, owner] = owners[0] as [string, string | number];
  const path = decodeURIComponent(new URL(url).pathname);
  return {
    tried: true,
    finding: context.finding({
      confidence: "medium",
      title: "User reads another user's object (BOLA)",
      detail: `${path} names one owner (${field}: ${JSON.stringify(owner)}), yet both "${a.name}" and "${b.name}" read it, while anonymous callers are refused (${anonymous.status}): at least one of them reads an object that is not theirs, looked up by its id without checking its owner.`,
      exchange: second,
      body: true,
      subject: `${path}:owner-read`,
    }),
  };
}

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
 * PROC-02 (write, `full` profile): the first identity creates an object; the second one writes a
 * marker into one of its text fields, then deletes it. Each is judged by what the owner reads
 * back (the marker there; the object gone), never by the status alone: some APIs answer 200 to a
 * write they silently refused. The scan deletes what is left.
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
      const post = (body: string) =>
        sendAs(context, a, {
          method: "POST",
          url: create.url,
          headers: { ...ACCEPT, "content-type": "application/json" },
          body,
        });
      let created = await post(create.exampleBody);
      // Refused as it is: a title that must be unique (a slug made from it) taken by an earlier
      // probe, or a field the schema calls optional that the server reads anyway. Again with
      // each plain word made unique, then with the optional fields too.
      for (const body of [create.exampleBody, create.fullExampleBody]) {
        const example = body !== undefined ? parseJson(body) : undefined;
        if (example === undefined || !refused(created)) continue;
        created = await post(JSON.stringify(uniqued(example)));
      }
      const id = ok(created) ? createdId(created, collection.param) : undefined;
      if (id === undefined) continue;
      const url = itemUrl(collection, id);
      const readBack = () => ownerReads(context, a, collection, url, id);
      let deleted = false;
      try {
        // The owner must see its new object first, or its absence later proves nothing (a list
        // whose first page does not hold it).
        if (!(await readBack())?.present) continue;
        const change = patch ? markedChange(created?.body ?? "", patch.exampleBody) : undefined;
        if (patch && change) {
          tried.add(patch.path);
          const exchange = await sendAs(context, b, {
            method: patch.method,
            url,
            headers: { ...ACCEPT, "content-type": jsonType(patch.bodyTypes) },
            body: JSON.stringify(change.body),
          });
          const after = ok(exchange) ? await readBack() : undefined;
          if (ok(exchange) && after?.present && after.body.includes(change.marker))
            findings.push(
              context.finding({
                title: "User changes another user's object (BOLA)",
                detail: `Identity "${b.name}" sent ${patch.method} ${collection.list.path}/${id} (an object "${a.name}" created) with "${change.marker}" in its ${change.field} field, got ${exchange.status}, and "${a.name}" then read that value back: writes are not checked against the owner.`,
                exchange,
                body: true,
                subject: `${collection.list.path}:change`,
              }),
            );
        }
        if (remove) {
          tried.add(remove.path);
          const exchange = await sendAs(context, b, { method: "DELETE", url, headers: ACCEPT });
          const after = ok(exchange) ? await readBack() : undefined;
          if (ok(exchange) && after?.gone) {
            deleted = true;
            findings.push(
              context.finding({
                title: "User deletes another user's object (BOLA)",
                detail: `Identity "${b.name}" deleted ${collection.list.path}/${id}, an object "${a.name}" created, got ${exchange.status}, and "${a.name}" then found it gone (${after.how}).`,
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

/**
 * What the owner reads of its object: the item itself when the collection has an item GET, else
 * the object's entry in the list. `gone` only on a clear answer (404 or 410, or a list without it).
 */
async function ownerReads(
  context: CheckContext,
  owner: Identity,
  collection: Collection,
  url: string,
  id: string,
): Promise<{ present: boolean; gone: boolean; body: string; how: string } | undefined> {
  if (collection.item.some((o) => o.method === "GET")) {
    const exchange = await sendAs(context, owner, { url, headers: ACCEPT });
    if (!exchange) return undefined;
    return {
      present: delivers(exchange, context.target.baseline),
      gone: exchange.status === 404 || exchange.status === 410,
      body: exchange.body,
      how: `${exchange.status} for it`,
    };
  }
  const exchange = await sendAs(context, owner, { url: collection.list.url, headers: ACCEPT });
  if (exchange?.status !== 200) return undefined;
  const object = objectsOf(exchange.body).find((o) => idOf(o, collection.param) === id);
  return {
    present: object !== undefined,
    gone: object === undefined,
    body: object ? JSON.stringify(object) : "",
    how: `no longer in ${collection.list.path}`,
  };
}

/** A create refused for what it held (not for who sent it, nor for where it went). */
function refused(exchange: Exchange | undefined): boolean {
  return (
    exchange !== undefined &&
    exchange.status >= 400 &&
    ![401, 403, 404, 405, 429].includes(exchange.status)
  );
}

/** The example with each plain-word string made unique (`example` becomes `example-1a2b3c4d`). */
function uniqued(value: unknown): unknown {
  const suffix = randomBytes(4).toString("hex");
  return replaceStrings(value, (_key, text) =>
    /^[A-Za-z][\w -]{0,59}$/.test(text) ? `${text}-${suffix}` : text,
  );
}

/** Text fields a marker can go into without renaming the object (a title may be its slug). */
const FREE_TEXT =
  /^(body|content|text|description|note|notes|comment|message|summary|bio|details?|remarks?)$/i;
const NOT_FREE =
  /id$|name|title|slug|email|user|pass|url|uri|link|image|status|role|type|date|time/i;

/**
 * The update: the fields the operation takes, with the values the created object already has,
 * one free-text field of them set to a marker (under the same wrapper as the example, e.g.
 * `{"article": {...}}`). Undefined when the update takes no text field the marker could go in.
 */
function markedChange(
  created: string,
  example: string | undefined,
): { body: Record<string, unknown>; marker: string; field: string } | undefined {
  const sample = unwrapped(jsonObject(example ?? "") ?? {});
  const value = unwrapped(jsonObject(created) ?? {}).value;
  const fields = Object.keys(sample.value).filter((f) => f in value);
  const texts = fields.filter((f) => typeof value[f] === "string");
  const field = texts.find((f) => FREE_TEXT.test(f)) ?? texts.find((f) => !NOT_FREE.test(f));
  if (field === undefined) return undefined;
  const marker = `rampart-bola-${randomBytes(4).toString("hex")}`;
  const inner = { ...Object.fromEntries(fields.map((f) => [f, value[f]])), [field]: marker };
  return { body: sample.key ? { [sample.key]: inner } : inner, marker, field };
}

/** The answer is the object asked for (not a generic page): it carries the id. */
function sameObject(exchange: Exchange, id: string): boolean {
  const body = jsonObject(exchange.body);
  return body !== undefined && Object.values(body).some((v) => String(v) === id);
}
