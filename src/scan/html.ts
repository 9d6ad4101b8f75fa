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
