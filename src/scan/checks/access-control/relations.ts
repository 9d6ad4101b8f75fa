import type { Finding } from "../../../core/finding.js";
import { isObject, parseJson } from "../../discovery.js";
import { type Identity, identitiesOf, sendAs } from "../../identities.js";
import type { CheckContext, Exchange, ScanCheck, ScanOperation } from "../../types.js";
import { covered, nothingOfTheKind, notTested, ran, undescribed } from "../outcome.js";
import { delivers } from "./objects.js";

const ACCEPT = { accept: "application/json" };

/**
 * A relation from the caller to another user, made and undone at one path: `POST
 * /profiles/{username}/follow` and `DELETE` there, with a read of the user at `/profiles/{username}`.
 */
interface Relation {
  readonly make: ScanOperation;
  readonly undo: ScanOperation;
  /** The read of the other user (the path without the relation's last segment). */
  readonly read: ScanOperation;
  /** The path parameter that names the user. */
  readonly param: string;
}

/** Relations to users the document describes. */
function relationsOf(context: CheckContext): Relation[] {
  const ops = context.target.operations;
  const relations: Relation[] = [];
  for (const make of ops) {
    if (make.method !== "POST") continue;
    const match = /^(.*\/([^/{}]+)\/\{([^}]+)\})\/[^/{}]+\/?$/.exec(make.path);
    if (!match) continue;
    const [, readPath = "", segment = "", param = ""] = match;
    const names = context.vocabulary;
    if (!names.isUserRefName(param) && !names.isUserSegment(segment)) continue;
    const undo = ops.find((o) => o.method === "DELETE" && o.path === make.path);
    const read = ops.find((o) => o.method === "GET" && o.path === readPath);
    if (undo && read) relations.push({ make, undo, read, param });
  }
  return relations;
}

/**
 * The value that names an identity in `param`: the member of that name in its own record (a GET
 * without path parameters that answers it, `GET /user`), else its user name for a name.
 */
async function refOf(
  context: CheckContext,
  identity: Identity,
  param: string,
): Promise<string | undefined> {
  for (const op of context.target.operations) {
    if (op.method !== "GET" || op.path.includes("{")) continue;
    const exchange = await sendAs(context, identity, { url: op.url, headers: ACCEPT });
    if (!delivers(exchange, context.target.baseline)) continue;
    const value = memberNamed(parseJson(exchange.body), param);
    if (value !== undefined) return value;
  }
  return /name$/i.test(param) ? identity.username : undefined;
}

/** A string or number member named `name` in an object or its single wrapper (`{"user": {...}}`). */
function memberNamed(body: unknown, name: string): string | undefined {
  if (!isObject(body)) return undefined;
  const value = body[name];
  if (typeof value === "string" || typeof value === "number") return String(value);
  const keys = Object.keys(body);
  const [only] = keys;
  return keys.length === 1 && only !== undefined ? memberNamed(body[only], name) : undefined;
}

/** Every boolean of a JSON answer, by its path: the relation flags (`profile.following`). */
function flags(body: string): Map<string, boolean> {
  const found = new Map<string, boolean>();
  const walk = (value: unknown, path: string, depth: number) => {
    if (depth > 4) return;
    if (typeof value === "boolean") found.set(path, value);
    else if (isObject(value))
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`, depth + 1);
  };
  walk(parseJson(body), "", 0);
  return found;
}

function flipped(before: string, after: string): string[] {
  const a = flags(before);
  return [...flags(after)].filter(([path, v]) => a.get(path) === !v).map(([path]) => path.slice(1));
}

/**
 * PROC-02 on relations between users (`follow`, `block`, `subscribe`): identity A makes the
 * relation to B, then both read each other. The write must land on A's side: what A sees of B
 * changes (A now follows B) or nothing visible changes, and what B sees of A may change too for
 * a mutual relation. When A's view of B is exactly as before while a flag in B's view of A flipped,
 * A's request wrote B's side of the relation: a user changing another user's data (the store's
 * columns swapped, or the ids taken from the wrong place). A undoes the relation first (a probe
 * may have made it) and again at the end: the two test identities are left unrelated.
 */
export const relationWriteCheck: ScanCheck = {
  id: "proc-02-relation-write",
  items: ["PROC-02"],
  proves: [],
  severity: "high",
  intrusive: true,
  runs: "first",
  needs: ["operations"],
  title: "A relation a user makes to another user lands on the caller's side",
  async run(context) {
    const relations = relationsOf(context);
    if (relations.length === 0)
      return nothingOfTheKind(
        context,
        "no relation to another user (POST and DELETE .../{user}/follow)",
      );
    const { list, problems } = await identitiesOf(context);
    const [a, b] = list;
    if (!a || !b) return notTested(problems.join("; ") || "needs two identities (scan.identities)");
    const findings: Finding[] = [];
    let tried = 0;
    for (const relation of relations) {
      const [refA, refB] = await Promise.all([
        refOf(context, a, relation.param),
        refOf(context, b, relation.param),
      ]);
      if (refA === undefined || refB === undefined || refA === refB) continue;
      const at = (op: ScanOperation, ref: string) =>
        `${op.server}${op.path.replace(`{${relation.param}}`, encodeURIComponent(ref))}`;
      // Start from no relation: an earlier probe of the scan (or of its user) may have made it.
      await sendAs(context, a, { method: "DELETE", url: at(relation.undo, refB), headers: ACCEPT });
      const views = () =>
        Promise.all([
          sendAs(context, a, { url: at(relation.read, refB), headers: ACCEPT }),
          sendAs(context, b, { url: at(relation.read, refA), headers: ACCEPT }),
        ]);
      const [aSeesB, bSeesA] = await views();
      if (!readable(aSeesB, context) || !readable(bSeesA, context)) continue;
      const made = await sendAs(context, a, {
        method: "POST",
        url: at(relation.make, refB),
        headers: { ...ACCEPT, "content-type": "application/json" },
        body: "{}",
      });
      try {
        if (!delivers(made, context.target.baseline)) continue;
        tried++;
        const [aSeesBAfter, bSeesAAfter] = await views();
        if (!readable(aSeesBAfter, context) || !readable(bSeesAAfter, context)) continue;
        const wrongSide = flipped(bSeesA.body, bSeesAAfter.body);
        if (aSeesBAfter.body !== aSeesB.body || wrongSide.length === 0) continue;
        findings.push(
          context.finding({
            title: "A relation one user makes is recorded on the other user's side",
            detail: `Identity "${a.name}" sent POST ${relation.make.path} for "${b.name}" (${made.status}). What "${a.name}" reads of "${b.name}" did not change, while what "${b.name}" reads of "${a.name}" did (${wrongSide.join(", ")} flipped): the request wrote "${b.name}"'s side of the relation, so any user can change another user's relations.`,
            exchange: bSeesAAfter,
            body: true,
            evidence: {
              note: `${b.name} read GET ${relation.read.path} for ${a.name} before: ${bSeesA.body.slice(0, 200)}`,
            },
            subject: `${relation.make.path}:wrong-side`,
          }),
        );
      } finally {
        if (delivers(made, context.target.baseline))
          await sendAs(context, a, {
            method: "DELETE",
            url: at(relation.undo, refB),
            headers: ACCEPT,
          });
      }
    }
    return ran(findings, covered(tried, relations.length, "operations", undescribed(context), 2));
  },
};

function readable(exchange: Exchange | undefined, context: CheckContext): exchange is Exchange {
  return delivers(exchange, context.target.baseline) && exchange.body.length > 2;
}
