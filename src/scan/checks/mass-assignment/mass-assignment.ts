import type { Finding } from "../../../core/finding.js";
import { jsonObject } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { type Collection, collectionsOf, createdId, itemUrl } from "../access-control/objects.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";

/** Privileged members and the value an attacker would give each (one per request). */
const PRIVILEGED: readonly { field: string; value: unknown }[] = [
  { field: "role", value: "admin" },
  { field: "isAdmin", value: true },
  { field: "admin", value: true },
  { field: "is_admin", value: true },
  { field: "roles", value: ["admin"] },
  { field: "permissions", value: ["admin"] },
  { field: "verified", value: true },
  { field: "emailVerified", value: true },
  { field: "owner", value: "rampart-probe" },
];

const JSON_HEADERS = { accept: "application/json" };

/**
 * EXT-05 (`full` profile: it changes the caller's own record and restores it, and creates an
 * object it deletes again): privileged members sent on updates of the caller's own resources
 * (PATCH/PUT without path parameters, e.g. `PATCH /api/users/me`) and on creates must be
 * refused or ignored. A member read back with the sent value is a finding; reflected only in
 * the update's answer, a less confident one.
 */
export const massAssignmentCheck: ScanCheck = {
  id: "ext-05-mass-assignment",
  items: ["EXT-05"],
  proves: ["EXT-05"],
  severity: "high",
  intrusive: true,
  needs: ["operations", "auth"],
  title: "Privileged fields cannot be mass-assigned",
  async run(context) {
    const ops = context.target.operations;
    const targets = ops.filter(
      (o) =>
        (o.method === "PATCH" || o.method === "PUT") &&
        !o.path.includes("{") &&
        o.bodyTypes.some((t) => /json/i.test(t)) &&
        ops.some((g) => g.method === "GET" && g.path === o.path),
    );
    const creates = collectionsOf(ops).filter(
      (c) => c.create?.exampleBody !== undefined && c.item.some((o) => o.method === "DELETE"),
    );
    if (targets.length === 0 && creates.length === 0)
      return notTested(
        "no update of the caller's own resource (PATCH/PUT without path parameters) and no create operation with a delete in the document",
      );
    const findings: Finding[] = [];
    for (const op of targets) findings.push(...(await probe(context, op)));
    for (const collection of creates) findings.push(...(await probeCreate(context, collection)));
    // Everything that writes a JSON body could take a privileged field; only the two shapes
    // above are tried today.
    const writes = ops.filter(
      (o) =>
        o.method !== "GET" && o.method !== "DELETE" && o.bodyTypes.some((t) => /json/i.test(t)),
    );
    const tried = targets.length + creates.length;
    const gaps =
      writes.length > tried
        ? [
            `${writes.length - tried} other JSON writes (updates of one object, registrations) not tried`,
          ]
        : [];
    return ran(
      findings,
      covered(tried, Math.max(writes.length, tried), "operations", [
        ...gaps,
        ...undescribed(context),
      ]),
    );
  },
};

async function probe(context: CheckContext, op: ScanOperation): Promise<Finding[]> {
  const read = async () => {
    const exchange = await context.http.trySend({ url: op.url, headers: JSON_HEADERS });
    return exchange?.status === 200 ? jsonObject(exchange.body) : undefined;
  };
  const original = await read();
  if (!original) return [];
  const findings: Finding[] = [];
  for (const { field, value } of PRIVILEGED) {
    if (same(original[field], value)) continue;
    const exchange = await update(context, op, { [field]: value });
    if (!exchange || exchange.status < 200 || exchange.status >= 300) continue;
    const after = await read();
    const effective = after !== undefined && same(after[field], value);
    const reflected = same(jsonObject(exchange.body)?.[field], value);
    if (field in original) await update(context, op, { [field]: original[field] });
    if (!effective && !reflected) continue;
    findings.push(
      context.finding({
        confidence: effective ? "high" : "medium",
        title: `Privileged field "${field}" mass-assigned`,
        detail: `${op.method} ${op.path} with {"${field}": ${JSON.stringify(value)}} answered ${exchange.status} and the value ${effective ? "was read back afterwards" : "came back in the answer"}: the update binds members the caller must not set.${field in original ? ` The original value was restored.` : " The member did not exist before and could not be removed."}`,
        exchange,
        body: true,
        subject: `${op.path}:${field}`,
      }),
    );
  }
  return findings;
}

/**
 * Creates one object with every privileged member added to the documented example, reads it
 * back, and deletes it: a member that comes back with the sent value was bound.
 */
async function probeCreate(context: CheckContext, collection: Collection): Promise<Finding[]> {
  const create = collection.create;
  const example = jsonObject(create?.exampleBody ?? "");
  if (!create || !example) return [];
  const extra = Object.fromEntries(
    PRIVILEGED.filter(({ field }) => !(field in example)).map(({ field, value }) => [field, value]),
  );
  const exchange = await context.http.trySend({
    method: "POST",
    url: create.url,
    headers: { ...JSON_HEADERS, "content-type": "application/json" },
    body: JSON.stringify({ ...example, ...extra }),
  });
  const id =
    exchange && exchange.status >= 200 && exchange.status < 300 ? createdId(exchange) : undefined;
  if (!exchange || id === undefined) return [];
  const url = itemUrl(collection, id);
  const read = await context.http.trySend({ url, headers: JSON_HEADERS });
  await context.http.trySend({ method: "DELETE", url, headers: JSON_HEADERS });
  const stored = read?.status === 200 ? jsonObject(read.body) : undefined;
  const bound = Object.keys(extra).filter((field) => stored && same(stored[field], extra[field]));
  if (bound.length === 0 || !read) return [];
  return [
    context.finding({
      title: `Privileged field "${bound[0]}" mass-assigned on create`,
      detail: `POST ${collection.list.path} with privileged members (${Object.keys(extra).join(", ")}) created an object that reads back with ${bound.map((f) => `"${f}"`).join(", ")} as sent: creation binds members the caller must not set. The object was deleted.`,
      exchange: read,
      body: true,
      subject: `${collection.list.path}:create`,
    }),
  ];
}

function update(
  context: CheckContext,
  op: ScanOperation,
  body: Record<string, unknown>,
): Promise<Exchange | undefined> {
  const type =
    op.bodyTypes.find((t) => t === "application/json") ??
    op.bodyTypes.find((t) => /json/i.test(t)) ??
    "application/json";
  return context.http.trySend({
    method: op.method,
    url: op.url,
    headers: { ...JSON_HEADERS, "content-type": type },
    body: JSON.stringify(body),
  });
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
