/**
 * Text matched literally inside a regular expression: every metacharacter escaped.
 *
 * @example
 * ```ts
 * new RegExp(`^${escapeRegExp("/v1.0/users")}$`).test("/v1.0/users"); // true, and "/v1x0/users" is not
 * ```
 */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
