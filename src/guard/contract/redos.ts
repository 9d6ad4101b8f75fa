/**
 * Why a pattern of the document is prone to catastrophic backtracking, or undefined when the
 * guard may run it. Node's regular expressions backtrack, and a schema pattern runs on client
 * input: one request could hold the event loop for minutes (CWE-1333). Two shapes are refused:
 * nested quantifiers (a group that repeats many times around something that repeats many
 * times, `(a+)+`, `(x\w*)*`) and a repeating group whose alternatives are not distinct single
 * characters (`(a|ab)*`, `(\w|\d)+`), where one input splits in exponentially many ways.
 * "Many" is unbounded or above ten: `(-[a-z]+){0,5}` passes. A heuristic: it can refuse a safe
 * pattern, and polynomial cases (`\d+\d+$`) pass; the guard guide says so.
 *
 * @example
 * ```ts
 * backtrackingRisk("^(a+)+$"); // "nested quantifiers"
 * backtrackingRisk("^[a-z0-9-]{1,63}$"); // undefined
 * ```
 */
export function backtrackingRisk(source: string): string | undefined {
  try {
    new RegExp(source, "u");
  } catch {
    // ajv compiles patterns with the u flag: one that does not compile cannot be enforced.
    return "not a valid regular expression (with the u flag)";
  }
  // One frame per open group: its alternatives as written, and whether it holds a repetition.
  const root: Frame = { alternatives: [""], repeats: false };
  const stack: Frame[] = [root];
  const top = () => stack[stack.length - 1] as Frame;
  const append = (text: string) => {
    const frame = top();
    frame.alternatives[frame.alternatives.length - 1] += text;
  };
  let inClass = false;
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    if (c === "\\") {
      append(source.slice(i, i + 2));
      i++;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      append(c);
      continue;
    }
    if (c === "[") {
      inClass = true;
      append(c);
      continue;
    }
    if (c === "(") {
      append(c);
      stack.push({ alternatives: [""], repeats: false });
      // The group's modifier (?: ?= ?! ?<name>) is not part of an alternative.
      const modifier = /^\?(?::|=|!|<=|<!|<[A-Za-z_][A-Za-z0-9_]*>)/.exec(source.slice(i + 1));
      if (modifier) i += modifier[0].length;
      continue;
    }
    if (c === ")" && stack.length > 1) {
      const group = stack.pop() as Frame;
      const many = repeatsMany(source, i + 1);
      if (many && group.repeats) return "nested quantifiers";
      if (many && group.alternatives.length > 1 && !distinctCharacters(group.alternatives))
        return "a repeating group of overlapping alternatives";
      if (many || group.repeats) top().repeats = true;
      append(`${group.alternatives.join("|")})`);
      continue;
    }
    if (c === "|") {
      top().alternatives.push("");
      continue;
    }
    if (repeatsMany(source, i)) top().repeats = true;
    append(c);
  }
  return undefined;
}

interface Frame {
  readonly alternatives: string[];
  repeats: boolean;
}

/** Alternatives that are each one literal character, all different: a character class. */
function distinctCharacters(alternatives: readonly string[]): boolean {
  // An escaped letter or digit is a class (\w, \d, \s) or a reference; punctuation is literal.
  const single = /^(?:\\[^A-Za-z0-9]|[^\\.[\]()|*+?{}^$])$/;
  return (
    alternatives.every((a) => single.test(a)) && new Set(alternatives).size === alternatives.length
  );
}

/** Whether the quantifier at `at` repeats without bound or more than ten times. */
function repeatsMany(source: string, at: number): boolean {
  const c = source[at];
  if (c === "*" || c === "+") return true;
  if (c !== "{") return false;
  const bounds = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(at));
  if (!bounds) return false;
  // A handful of repetitions split input in a handful of ways: only many are a risk.
  if (bounds[2] === undefined) return Number(bounds[1]) > 10;
  return bounds[3] === "" || Number(bounds[3]) > 10;
}
