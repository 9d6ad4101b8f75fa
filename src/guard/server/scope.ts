import type { Logger } from "pino";
import type { Pool } from "undici";
import type { RouteTable } from "../config/route-table.js";
import type { AccessLog } from "../ops/access-log.js";
import type { GuardMetrics } from "../ops/metrics.js";
import type { GuardRuntime } from "../policy.js";
import type { GuardStore } from "../stores/store.js";
import type { RequestStats } from "./stats.js";

/** The table being served and its upstream pools: replaced whole by a swap. */
export interface Live {
  readonly table: RouteTable;
  readonly pools: ReadonlyMap<string, Pool>;
}

/**
 * What one running guard shares with every request it serves: made once by the lifecycle
 * (`startGuard`), read by the request pipeline and the upstream exchange. `live` and `draining`
 * change over the guard's life; a request reads `live` once, when it arrives.
 */
export interface ServerScope {
  readonly runtime: GuardRuntime;
  readonly logger: Logger;
  readonly metrics: GuardMetrics;
  readonly store: GuardStore;
  /** Whether the proxy listener is HTTPS. */
  readonly secure: boolean;
  readonly access: AccessLog;
  readonly stats: RequestStats;
  live: Live;
  /** Set by close(): requests still arriving on open connections are served, then closed. */
  draining: boolean;
}
