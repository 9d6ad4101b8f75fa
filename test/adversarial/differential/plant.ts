// What an upstream of the differential suite plants in its answer, chosen by the request's
// X-Plant header: secrets and stack traces in every shape the guard's response side must catch
// (issue 17, causes 3 and 4). The Python upstream plants the same shapes (upstream.py).
import { gzipSync } from "node:zlib";
import type { Response } from "express";

export const PLANTS = [
  "plain",
  "secret-json",
  "secret-header",
  "secret-gzip-text",
  "secret-octet",
  "secret-ndjson",
  "secret-range",
  "stack-json-200",
  "stack-html-500",
  "stack-header",
  "stack-chunked-200",
] as const;
export type Plant = (typeof PLANTS)[number];

const AWS = "AKIAQ3EGRJ7X2KZ5N4PB";
const PEM = `-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n`;
const STACK =
  "Error: boom\n    at loadItem (/srv/app.js:42:11)\n    at Layer.handle (/srv/app.js:7:3)";

export function plantFor(header: string | string[] | undefined): Plant {
  const value = Array.isArray(header) ? header[0] : header;
  return (PLANTS as readonly string[]).includes(value ?? "") ? (value as Plant) : "plain";
}

/** Answers `res` with the planted shape; `range` is honoured on the range plant only. */
export function sendPlant(res: Response, plant: Plant, range: string | undefined): void {
  switch (plant) {
    case "plain":
      res.json({ ok: true });
      return;
    case "secret-json":
      res.json({ ok: true, awsAccessKeyId: AWS });
      return;
    case "secret-header":
      res.set("X-Debug-Credential", AWS).json({ ok: true });
      return;
    case "secret-gzip-text":
      res
        .set("Content-Encoding", "gzip")
        .type("text/plain")
        .send(gzipSync(`key:\n${PEM}`));
      return;
    case "secret-octet":
      res.type("application/octet-stream").send(Buffer.from(`\0\x01${PEM}`, "latin1"));
      return;
    case "secret-ndjson":
      res.type("application/x-ndjson").send(`{"n":1}\n{"key":"${AWS}"}\n`);
      return;
    case "secret-range": {
      const whole = Buffer.from(`${"x".repeat(40)}${PEM}`);
      const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? "");
      if (!m) {
        res.type("text/plain").send(whole);
        return;
      }
      const start = Number(m[1]);
      const end = m[2] ? Math.min(Number(m[2]), whole.length - 1) : whole.length - 1;
      res
        .status(206)
        .set("Content-Range", `bytes ${start}-${end}/${whole.length}`)
        .type("text/plain")
        .send(whole.subarray(start, end + 1));
      return;
    }
    case "stack-json-200":
      res.json({ ok: false, trace: STACK });
      return;
    case "stack-html-500":
      res
        .status(500)
        .type("text/html")
        .send(`<pre>${STACK.replaceAll("\n", "<br> &nbsp; &nbsp;")}</pre>`);
      return;
    case "stack-header":
      res.set("X-Error-Trace", STACK.replaceAll("\n", " ")).json({ ok: true });
      return;
    case "stack-chunked-200":
      res.type("text/plain");
      res.write("partial result\n");
      res.end(`${STACK}\n`);
      return;
  }
}
