import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { jsonObject } from "../http/body.js";
import { HttpError, pointerTo } from "../http/problem.js";
import type { DemoContext, DemoResponse, Route } from "../types.js";
import { me } from "./users.js";

export interface ReportsOptions {
  /** Milliseconds since the epoch: when a queued report is done. */
  readonly now: () => number;
  /** How long producing a report takes. */
  readonly reportDurationMs: number;
}

interface Report {
  readonly id: string;
  readonly ownerId: string;
  readonly type: string;
  readonly requestedAt: number;
  readonly readyAt: number;
}

const REPORT_TYPES = ["orders-summary"];

/**
 * Reports: heavy work. Hardened, `POST /api/reports` queues it and answers 202 Accepted with a
 * Location to poll (RFC 9110 15.3.3); with `slow-sync-work` the request itself waits until the
 * report is done. Progress is measured on `now`, so tests move time instead of sleeping.
 *
 * @example
 * ```ts
 * const routes = reportsRoutes(context, { now: Date.now, reportDurationMs: 1500 });
 * ```
 */
export function reportsRoutes(_context: DemoContext, options: ReportsOptions): Route[] {
  const reports = new Map<string, Report>();
  const view = (ctx: DemoContext, report: Report) => {
    const done = options.now() >= report.readyAt;
    const orders = ctx.store.orders.filter((o) => o.ownerId === report.ownerId);
    return {
      id: report.id,
      type: report.type,
      status: done ? "done" : "pending",
      requestedAt: new Date(report.requestedAt).toISOString(),
      ...(done
        ? {
            result: {
              orders: orders.length,
              quantity: orders.reduce((sum, o) => sum + o.quantity, 0),
            },
          }
        : {}),
    };
  };
  return [
    {
      method: "POST",
      path: "/api/reports",
      auth: "user",
      accepts: ["application/json"],
      handler: async (request, ctx, principal): Promise<DemoResponse> => {
        const input = request.body.length > 0 ? jsonObject(request) : {};
        const type = input.type ?? REPORT_TYPES[0];
        const unknown = Object.keys(input).filter((k) => k !== "type");
        if (typeof type !== "string" || !REPORT_TYPES.includes(type) || unknown.length > 0) {
          throw new HttpError(400, "The report request was refused.", [
            ...(typeof type === "string" && REPORT_TYPES.includes(type)
              ? []
              : [{ pointer: "/type", detail: `must be one of ${REPORT_TYPES.join(", ")}` }]),
            ...unknown.map((k) => ({ pointer: pointerTo(k), detail: "is not a known field" })),
          ]);
        }
        const requestedAt = options.now();
        const report: Report = {
          id: randomUUID(),
          ownerId: me(principal).id,
          type,
          requestedAt,
          readyAt: requestedAt + options.reportDurationMs,
        };
        reports.set(report.id, report);
        const location = `/api/reports/${report.id}`;
        if (!ctx.has("slow-sync-work")) {
          return { status: 202, headers: { Location: location }, body: view(ctx, report) };
        }
        // The flaw: the work happens while the client (and a connection) waits.
        await sleep(options.reportDurationMs);
        const done = { ...report, readyAt: requestedAt };
        reports.set(report.id, done);
        // A 200 carries the report itself; Content-Location names it (RFC 9110 8.7).
        return { status: 200, headers: { "Content-Location": location }, body: view(ctx, done) };
      },
    },
    {
      method: "GET",
      path: "/api/reports/:id",
      auth: "user",
      handler: (request, ctx, principal) => {
        const report = reports.get(request.params.id ?? "");
        if (!report || report.ownerId !== me(principal).id) {
          throw new HttpError(404, "No such report.");
        }
        return { status: 200, body: view(ctx, report) };
      },
    },
  ];
}
