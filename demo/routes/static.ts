import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { HttpError } from "../http/problem.js";
import type { DemoContext, Route } from "../types.js";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".txt": "text/plain; charset=utf-8",
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
};

// A plain file name: no separators, no dot files, so no way out of the folder.
const FILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Static files under `/static/` from the demo's `data/static` folder, served in both modes.
 * With `directory-listing`, `/static/` itself answers with an nginx-style autoindex page.
 *
 * @example
 * ```ts
 * const routes = staticRoutes(context); // GET /static/:file (+ GET /static/ with directory-listing)
 * ```
 */
export function staticRoutes(context: DemoContext): Route[] {
  const folder = join(context.dataDir, "static");
  const routes: Route[] = [
    {
      method: "GET",
      path: "/static/:file",
      auth: "none",
      produces: ["text/plain", "text/html", "text/css", "application/json"],
      handler: async (request) => {
        const name = request.params.file ?? "";
        const type = CONTENT_TYPES[extname(name)];
        if (!FILE_NAME.test(name) || type === undefined) throw new HttpError(404, "No such file.");
        const content = await readFile(join(folder, name)).catch(() => undefined);
        if (!content) throw new HttpError(404, "No such file.");
        return { status: 200, contentType: type, body: content };
      },
    },
  ];
  if (context.has("directory-listing")) {
    routes.push({
      method: "GET",
      path: "/static/",
      auth: "none",
      produces: ["text/html"],
      handler: async () => ({
        status: 200,
        contentType: "text/html; charset=utf-8",
        body: await autoindex(folder, "/static/"),
      }),
    });
  }
  return routes;
}

/** What nginx's `autoindex on;` renders: name, modification time and size of each file. */
async function autoindex(folder: string, path: string): Promise<string> {
  const names = (await readdir(folder)).filter((n) => FILE_NAME.test(n)).sort();
  const rows = await Promise.all(
    names.map(async (name) => {
      const info = await stat(join(folder, name));
      const date = nginxDate(info.mtime);
      return `<a href="${name}">${name}</a>${" ".repeat(Math.max(1, 51 - name.length))}${date}${String(info.size).padStart(20)}`;
    }),
  );
  return [
    "<html>",
    `<head><title>Index of ${path}</title></head>`,
    "<body>",
    `<h1>Index of ${path}</h1><hr><pre><a href="../">../</a>`,
    ...rows,
    "</pre><hr></body>",
    "</html>",
    "",
  ].join("\r\n");
}

function nginxDate(date: Date): string {
  const months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(" ");
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getUTCDate())}-${months[date.getUTCMonth()]}-${date.getUTCFullYear()} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
}
