import type { Finding } from "../../../core/finding.js";
import { normaliseName } from "../../../vocabulary/names.js";
import { type Identity, identitiesOf, jsonObject, sendAs } from "../../identities.js";
import type { CheckContext, ScanCheck, ScanOperation, ScanRequest } from "../../types.js";
import {
  type Collection,
  collectionsOf,
  createdId,
  itemUrl,
  unwrapped,
} from "../access-control/objects.js";
import { isUserIdParam, withSegment } from "../access-control/user-id-in-path.js";
import { covered, notTested, ran, undescribed } from "../outcome.js";
import { probeOwner, reassignable } from "./owner.js";
import { looselySame, privilegedFor, sendUpdate } from "./privileged.js";
import { probeRegistration, registrationsOf } from "./registration.js";

/**
 * Privileged members tried on an update even when the record does not show them (they cannot be
 * removed afterwards, so only the few that grant authority outright).
 */
const AUTHORITY = new Set([
  "role",
  "roles",
  "is_admin",
  "admin",
  "permissions",
  "verified",
  "email_verified",
]);

const JSON_HEADERS = { accept: "application/json" };

/**
 * EXT-05 (`full` profile: it changes the caller's own record and restores it, creates objects
 * and accounts it deletes again): privileged members (the vocabulary's, spelled like the body's
 * own) sent on sign-ups, on updates of the caller's own record (`PATCH /users/me`, `PUT
 * /users/{id}` with the caller's id) and on creates must be refused or ignored. A member read
 * back with the sent value is a finding; reflected only in the write's answer, a less confident
 * one.
 */
export const massAssignmentCheck: ScanCheck = {
  id: "ext-05-mass-assignment",
  items: ["EXT-05"],
  proves: ["EXT-05"],
  severity: "high",
  intrusive: true,
  needs: ["operations"],
  title: "Privileged fields cannot be mass-assigned",
  async run(context) {
    const ops = context.target.operations;
    const json = (o: ScanOperation) => o.bodyTypes.some((t) => /json/i.test(t));
    const own = context.target.authenticated
      ? ops.filter(
          (o) =>
            (o.method === "PATCH" || o.method === "PUT") &&
            !o.path.includes("{") &&
            json(o) &&
            ops.some((g) => g.method === "GET" && g.path === o.path),
        )
      : [];
    const { list } = await identitiesOf(context);
    const me = list[0];
    const records =
      me?.userId !== undefined
        ? ops.filter(
            (o) =>
              (o.method === "PATCH" || o.method === "PUT") && json(o) && recordOf(o, ops, context),
          )
        : [];
    const creates = context.target.authenticated
      ? collectionsOf(ops).filter(
          (c) => c.create?.exampleBody !== undefined && c.item.some((o) => o.method === "DELETE"),
        )
      : [];
    const signUps = registrationsOf(ops, context.vocabulary);
    const tried = own.length + records.length + creates.length + signUps.length;
    if (tried === 0)
      return notTested(
        "no sign-up, no update of the caller's own record and no create operation with a delete",
      );
    const findings: Finding[] = [];
    for (const op of own) findings.push(...(await probe(context, op, op.url)));
    for (const op of records)
      if (me?.userId !== undefined)
        findings.push(...(await probe(context, op, recordUrl(op, me.userId), me)));
    for (const collection of creates) findings.push(...(await probeCreate(context, collection)));
    // The owner member, set to another identity's id on the scan's own throw-away object.
    const other = list.slice(1).find((i) => i.userId !== undefined && i.userId !== me?.userId);
    if (other && context.target.authenticated)
      for (const collection of reassignable(collectionsOf(ops))) {
        const { finding } = await probeOwner(context, collection, other);
        if (finding) findings.push(finding);
      }
    let inconclusive = 0;
    for (const op of signUps) {
      const result = await probeRegistration(context, op);
      if (result.finding) findings.push(result.finding);
      if (!result.conclusive) inconclusive++;
    }
    // Everything that writes a JSON body could take a privileged field; only the shapes above
    // are tried today.
    const writes = ops.filter((o) => o.method !== "GET" && o.method !== "DELETE" && json(o));
    const probed = tried - inconclusive;
    const gaps = [
      ...(writes.length > tried
        ? [`${writes.length - tried} other JSON writes (updates of other objects) not tried`]
        : []),
      ...(inconclusive > 0
        ? [`${inconclusive} sign-ups answered neither a record nor a refusal`]
        : []),
      ...(context.target.authenticated ? [] : ["updates and creates need credentials"]),
    ];
    return ran(
      findings,
      covered(probed, Math.max(writes.length, tried), "operations", [
        ...gaps,
        ...undescribed(context),
      ]),
    );
  },
};

/** `PUT /users/{id}`: an update of a user record addressed by its id, readable at the same path. */
function recordOf(
  op: ScanOperation,
  ops: readonly ScanOperation[],
  context: CheckContext,
): boolean {
  const segments = op.path.replace(/\/+$/, "").split("/");
  return (
    isUserIdParam(segments, segments.length - 1, context.vocabulary) &&
    ops.some((g) => g.method === "GET" && g.path === op.path)
  );
}

function recordUrl(op: ScanOperation, id: string): string {
  return withSegment(op, op.path.replace(/\/+$/, "").split("/").length - 1, id);
}

async function probe(
  context: CheckContext,
  op: ScanOperation,
  url: string,
  identity?: Identity,
): Promise<Finding[]> {
  const send = (request: ScanRequest) =>
    identity ? sendAs(context, identity, request) : context.http.trySend(request);
  const read = async () => {
    const exchange = await send({ url, headers: JSON_HEADERS });
    return exchange?.status === 200 ? unwrapped(jsonObject(exchange.body) ?? {}).value : undefined;
  };
  const original = await read();
  if (!original || Object.keys(original).length === 0) return [];
  const findings: Finding[] = [];
  const fields = privilegedFor(original, context.vocabulary).filter(
    ({ field }) => field in original || AUTHORITY.has(normaliseName(field)),
  );
  for (const { field, value } of fields) {
    if (looselySame(original[field], value)) continue;
    const exchange = await sendUpdate(send, op, url, { [field]: value });
    if (!exchange || exchange.status < 200 || exchange.status >= 300) continue;
    const after = await read();
    const effective = after !== undefined && looselySame(after[field], value);
    const answer = unwrapped(jsonObject(exchange.body) ?? {}).value;
    const reflected = looselySame(answer[field], value);
    if (field in original) await sendUpdate(send, op, url, { [field]: original[field] });
    if (!effective && !reflected) continue;
    findings.push(
      context.finding({
        confidence: effective ? "high" : "medium",
        title: `Privileged field "${field}" mass-assigned`,
        detail: `${op.method} ${op.path}${identity ? ` (as "${identity.name}", on its own record)` : ""} with {"${field}": ${JSON.stringify(value)}} answered ${exchange.status} and the value ${effective ? "was read back afterwards" : "came back in the answer"}: the update binds members the caller must not set.${field in original ? " The original value was restored." : " The member did not exist before and could not be removed."}`,
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
    privilegedFor({}, context.vocabulary)
      .filter(({ field }) => !(field in example) && AUTHORITY.has(normaliseName(field)))
      .map(({ field, value }) => [field, value]),
  );
  const exchange = await context.http.trySend({
    method: "POST",
    url: create.url,
    headers: { ...JSON_HEADERS, "content-type": "application/json" },
    body: JSON.stringify({ ...example, ...extra }),
  });
  const id =
    exchange && exchange.status >= 200 && exchange.status < 300
      ? createdId(exchange, collection.param)
      : undefined;
  if (!exchange || id === undefined) return [];
  const url = itemUrl(collection, id);
  const read = await context.http.trySend({ url, headers: JSON_HEADERS });
  await context.http.trySend({ method: "DELETE", url, headers: JSON_HEADERS });
  const stored = read?.status === 200 ? jsonObject(read.body) : undefined;
  const bound = Object.keys(extra).filter(
    (field) => stored && looselySame(stored[field], extra[field]),
  );
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
