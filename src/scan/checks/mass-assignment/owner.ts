import type { Finding } from "../../../core/finding.js";
import { isOwnerName } from "../../../vocabulary/names.js";
import { type Identity, jsonObject, sendAs } from "../../identities.js";
import type { CheckContext, Exchange } from "../../types.js";
import { type Collection, createdId, itemUrl, unwrapped } from "../access-control/objects.js";
import { sendUpdate } from "./privileged.js";

const JSON_HEADERS = { accept: "application/json" };

/** Collections where an object can be created, read, updated and deleted again. */
export function reassignable(collections: readonly Collection[]): Collection[] {
  return collections.filter(
    (c) =>
      (c.create?.fullExampleBody ?? c.create?.exampleBody) !== undefined &&
      ["GET", "DELETE"].every((m) => c.item.some((o) => o.method === m)) &&
      c.item.some((o) => o.method === "PUT" || o.method === "PATCH"),
  );
}

/**
 * EXT-05, the owner member: creates a throw-away object as the scan's identity, sets the member
 * that names its owner (`author`, `owner_id`) to another identity's id in an update, and reads
 * it back. An owner that changed was bound from the client: anyone can hand an object to
 * someone else, or take it when the API lets them create it under another owner. The object is
 * deleted (by whichever identity owns it afterwards).
 */
export async function probeOwner(
  context: CheckContext,
  collection: Collection,
  other: Identity,
): Promise<{ finding?: Finding; tried: boolean }> {
  const { create } = collection;
  const update =
    collection.item.find((o) => o.method === "PATCH") ??
    collection.item.find((o) => o.method === "PUT");
  // Every documented member: an API may refuse a create without its optional-looking lists.
  const example = jsonObject(create?.fullExampleBody ?? create?.exampleBody ?? "");
  if (!create || !update || !example || other.userId === undefined) return { tried: false };
  const made = await context.http.trySend({
    method: "POST",
    url: create.url,
    headers: { ...JSON_HEADERS, "content-type": "application/json" },
    body: JSON.stringify(example),
  });
  const id =
    made && made.status >= 200 && made.status < 300 ? createdId(made, collection.param) : undefined;
  if (id === undefined) return { tried: false };
  const url = itemUrl(collection, id);
  const read = async () => {
    const e = await context.http.trySend({ url, headers: JSON_HEADERS });
    return e?.status === 200 ? unwrapped(jsonObject(e.body) ?? {}).value : undefined;
  };
  const before = await read();
  const fields = Object.keys(before ?? {}).filter(isOwnerName);
  const value = /^\d+$/.test(other.userId) ? Number(other.userId) : other.userId;
  let moved: { field: string; sent: Exchange; before: unknown; after: unknown } | undefined;
  for (const field of fields) {
    const sent = await sendUpdate((r) => context.http.trySend(r), update, url, { [field]: value });
    if (!sent || sent.status < 200 || sent.status >= 300) continue;
    const after = await read();
    if (!before || !after || JSON.stringify(after[field]) === JSON.stringify(before[field]))
      continue;
    moved = { field, sent, before: before[field], after: after[field] };
    break;
  }
  // Proven by who may delete it, not by the owner's representation alone (a profile edited
  // meanwhile changes it too): the scan's own object that its creator may no longer delete but
  // the other identity may was handed over.
  const ok = (e: Exchange | undefined) => e !== undefined && e.status >= 200 && e.status < 300;
  const mine = await context.http.trySend({ method: "DELETE", url, headers: JSON_HEADERS });
  if (ok(mine) || !moved) {
    if (!ok(mine)) await sendAs(context, other, { method: "DELETE", url, headers: JSON_HEADERS });
    return { tried: fields.length > 0 };
  }
  const theirs = await sendAs(context, other, { method: "DELETE", url, headers: JSON_HEADERS });
  if (!ok(theirs) || !mine) return { tried: true };
  const { field, sent } = moved;
  return {
    tried: true,
    finding: context.finding({
      title: `Owner field "${field}" mass-assigned`,
      detail: `${update.method} ${update.path} on an object the scan had just created, with {"${field}": ${JSON.stringify(value)}} (the id of "${other.name}"), answered ${sent.status}; the object then read back with a different ${field} (${excerpt(moved.before)} before, ${excerpt(moved.after)} after), its creator's DELETE was refused (${mine.status}) and "${other.name}" deleted it (${theirs?.status}): the update binds the member that says who owns the object.`,
      exchange: sent,
      body: true,
      subject: `${update.path}:${field}`,
    }),
  };
}

function excerpt(value: unknown): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
