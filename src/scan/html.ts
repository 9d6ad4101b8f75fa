/** One field of an HTML form, as its markup says. */
export interface FormField {
  readonly tag: "input" | "textarea" | "select";
  readonly name: string;
  /** The `type` attribute, lower-case (`hidden`, `password`), when there is one. */
  readonly type?: string;
  /** The `value` attribute (the pre-filled value), when there is one. */
  readonly value?: string;
}

/**
 * The named fields of the forms in some HTML: what the crawl records as a form's parameters and
 * what the secrets check reads for pre-filled credentials.
 *
 * @example
 * ```ts
 * formFields('<input type="hidden" name="client_id" value="abc">');
 * // [{ tag: "input", name: "client_id", type: "hidden", value: "abc" }]
 * ```
 */
export function formFields(html: string): FormField[] {
  const fields: FormField[] = [];
  for (const m of html.matchAll(/<(input|textarea|select)\b([^>]*)>/gi)) {
    const attributes = m[2] ?? "";
    const name = /\bname\s*=\s*["']([^"']+)["']/i.exec(attributes)?.[1];
    if (!name) continue;
    const type = /\btype\s*=\s*["']?(\w+)/i.exec(attributes)?.[1]?.toLowerCase();
    const value = /\bvalue\s*=\s*["']([^"']*)["']/i.exec(attributes)?.[1];
    fields.push({
      tag: (m[1] ?? "input").toLowerCase() as FormField["tag"],
      name,
      ...(type !== undefined ? { type } : {}),
      ...(value !== undefined ? { value } : {}),
    });
  }
  return fields;
}

/** A form of a page: its method, its action resolved against the page, and its fields. */
export interface PageForm {
  readonly method: "GET" | "POST";
  readonly url: URL;
  readonly fields: readonly FormField[];
  /** The names of its file inputs (sent as parts of a multipart body). */
  readonly files: readonly string[];
}

/**
 * The forms of a page, with the fields a browser would submit (file inputs and buttons left out).
 *
 * @example
 * ```ts
 * pageForms('<form method="post" action="/edit"><input name="id" value="3"></form>', "http://127.0.0.1/p");
 * // [{ method: "POST", url: URL("http://127.0.0.1/edit"), fields: [{ tag: "input", name: "id", value: "3" }], files: [] }]
 * ```
 */
export function pageForms(html: string, page: string): PageForm[] {
  const forms: PageForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const attributes = m[1] ?? "";
    const action = /action\s*=\s*["']([^"']*)["']/i.exec(attributes)?.[1] ?? "";
    const method = /method\s*=\s*["']?(\w+)/i.exec(attributes)?.[1] ?? "GET";
    let url: URL;
    try {
      url = new URL(action || page, page);
    } catch {
      continue;
    }
    const all = formFields(m[2] ?? "");
    const fields = all.filter((f) => !["file", "submit", "button", "image"].includes(f.type ?? ""));
    const files = all.filter((f) => f.type === "file").map((f) => f.name);
    forms.push({ method: method.toUpperCase() === "POST" ? "POST" : "GET", url, fields, files });
  }
  return forms;
}
