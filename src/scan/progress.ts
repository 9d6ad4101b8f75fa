/** Where a scan reports its progress: the CLI writes it to stderr, tests ignore it. */
export interface ScanProgress {
  start(checks: number): void;
  request(): void;
  checkDone(id: string): void;
  end(requests: number): void;
}

export const SILENT_PROGRESS: ScanProgress = {
  start: () => {},
  request: () => {},
  checkDone: () => {},
  end: () => {},
};

/**
 * A progress bar redrawn in place on a TTY, or a few plain lines elsewhere (CI logs): one when
 * the checks start, one at each quarter, one at the end; never one per request.
 *
 * @example
 * ```ts
 * const progress = createProgress(process.stderr, Boolean(process.stderr.isTTY));
 * ```
 */
export function createProgress(
  stream: { write(chunk: string): unknown },
  tty: boolean,
  now: () => number = () => performance.now(),
): ScanProgress {
  let total = 0;
  let done = 0;
  let requests = 0;
  let lastDraw = 0;
  let lastQuarter = 0;
  let started: number | undefined;
  const draw = (force = false): void => {
    const t = now();
    if (!force && t - lastDraw < 100) return;
    lastDraw = t;
    const width = 24;
    const filled = total === 0 ? 0 : Math.round((done / total) * width);
    stream.write(
      `\r[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total} checks, ${requests} requests`,
    );
  };
  return {
    start(checks) {
      total = checks;
      started = now();
      if (tty) draw(true);
      else stream.write(`rampart scan: running ${checks} checks\n`);
    },
    request() {
      requests++;
      if (tty) draw();
    },
    checkDone() {
      done++;
      if (tty) return draw();
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
      if (quarter > lastQuarter && quarter < 4) {
        lastQuarter = quarter;
        stream.write(`rampart scan: ${done}/${total} checks done, ${requests} requests\n`);
      }
    },
    end(sent) {
      // Nothing to close when the scan stopped before its checks (e.g. unreachable target).
      if (started === undefined) return;
      const seconds = ((now() - started) / 1000).toFixed(1);
      if (tty) {
        draw(true);
        stream.write("\n");
      } else stream.write(`rampart scan: done, ${sent} requests in ${seconds} s\n`);
    },
  };
}
