import { type FSWatcher, watch } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { formatError } from "../core/errors.js";
import type { RouteTable } from "./config/route-table.js";
import type { Guard } from "./server.js";

export interface Reloader {
  /** Builds a new table and swaps it in; resolves false (old table kept) when it is refused. */
  reload(): Promise<boolean>;
  close(): void;
}

/**
 * Hot reload: on `reload()` (wired to SIGHUP by the CLI) and when a watched file changes, the
 * new route table is built and validated off the request path, then swapped in atomically. A
 * bad config is refused with all its errors logged; the old table keeps serving.
 *
 * @example
 * ```ts
 * const reloader = watchReload(guard, () => loadGuard(flags, cwd), ["rampart.yaml"]);
 * process.on("SIGHUP", () => void reloader.reload());
 * ```
 */
export function watchReload(
  guard: Guard,
  load: () => Promise<RouteTable>,
  files: readonly string[],
  debounceMs = 100,
): Reloader {
  let running: Promise<boolean> | undefined;
  let again = false;
  const reload = async (): Promise<boolean> => {
    // One reload at a time; a change during a reload triggers one more afterwards.
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        const table = await load();
        const was = guard.table;
        if (
          table.listen.host !== was.listen.host ||
          (table.listen.port !== was.listen.port && table.listen.port !== 0) ||
          Boolean(table.tls) !== Boolean(was.tls)
        )
          guard.logger.warn(
            { event: "reload-listener-unchanged" },
            "listener address and TLS on/off take effect at the next start only",
          );
        guard.swap(table);
        guard.metrics.reloads.labels("applied").inc();
        guard.logger.info(
          { event: "reload", routes: table.routes.length },
          "configuration reloaded",
        );
        return true;
      } catch (error) {
        guard.metrics.reloads.labels("refused").inc();
        guard.logger.error(
          { event: "reload-refused", error: formatError(error) },
          "new configuration refused; the previous one keeps serving",
        );
        return false;
      } finally {
        running = undefined;
        if (again) {
          again = false;
          void reload();
        }
      }
    })();
    return running;
  };

  // Watch directories, not files: editors replace a file by renaming, which ends a file watch.
  const byDir = new Map<string, Set<string>>();
  for (const file of files) {
    const path = resolve(file);
    const dir = dirname(path);
    if (!byDir.has(dir)) byDir.set(dir, new Set());
    byDir.get(dir)?.add(basename(path));
  }
  let timer: NodeJS.Timeout | undefined;
  const watchers: FSWatcher[] = [];
  for (const [dir, names] of byDir) {
    try {
      const watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || !names.has(String(name))) return;
        clearTimeout(timer);
        timer = setTimeout(() => void reload(), debounceMs);
      });
      watcher.on("error", () => watcher.close());
      watchers.push(watcher);
    } catch {
      guard.logger.warn(
        { event: "watch-failed", dir },
        "cannot watch for changes; SIGHUP still reloads",
      );
    }
  }
  return {
    reload,
    close() {
      clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
