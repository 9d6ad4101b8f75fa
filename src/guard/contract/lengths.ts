import { _, type KeywordCxt, type KeywordDefinition, str } from "ajv/dist/2020.js";

/**
 * The characters (code points) of a string, as JSON Schema counts a length (2020-12 validation
 * 6.3.1): a surrogate pair is one character, a lone surrogate one too.
 *
 * @example
 * ```ts
 * codePoints("a😀"); // 2 (its .length is 3)
 * ```
 */
export function codePoints(text: string): number {
  let count = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      count--;
      i++;
    }
  }
  return count;
}

/**
 * `maxLength` and `minLength` as ajv's own keywords judge them, counting code points only when
 * the UTF-16 length cannot decide: a string has at least half as many characters as code units
 * and at most as many. ajv counts every string of a length-limited property character by
 * character, which was most of the time it took to validate a request with a long text.
 *
 * @example
 * ```ts
 * ajv.removeKeyword("maxLength").removeKeyword("minLength").addKeyword(LENGTH_KEYWORDS);
 * ```
 */
export const LENGTH_KEYWORDS: KeywordDefinition = {
  keyword: ["maxLength", "minLength"],
  type: "string",
  schemaType: "number",
  $data: true,
  // Run where ajv's own ran, before `pattern`: the first error of a string that breaks both stays
  // the length's.
  before: "pattern",
  error: {
    message: ({ keyword, schemaCode }) =>
      str`must NOT have ${keyword === "maxLength" ? "more" : "fewer"} than ${schemaCode} characters`,
    params: ({ schemaCode }) => _`{limit: ${schemaCode}}`,
  },
  code(cxt: KeywordCxt) {
    const { keyword, data, schemaCode, gen } = cxt;
    const count = gen.scopeValue("func", { ref: codePoints });
    cxt.fail$data(
      keyword === "maxLength"
        ? _`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}`
        : _`${data}.length < ${schemaCode} || (${data}.length < 2 * ${schemaCode} && ${count}(${data}) < ${schemaCode})`,
    );
  },
};
