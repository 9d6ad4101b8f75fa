/** Stack frames and debug pages of common runtimes and frameworks, recognised in bodies. */
export const STACK_SIGNATURES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  {
    name: "Node.js stack trace",
    pattern: /\n?\s+at (?:[\w$.<>[\] ]+ \()?(?:\/|[A-Za-z]:\\|file:|node:)[^\s)]+:\d+:\d+\)?/,
  },
  { name: "Java stack trace", pattern: /\bat [a-z][\w$]*(?:\.[\w$<>]+)+\([\w$]+\.java:\d+\)/ },
  {
    name: "Python traceback",
    pattern: /Traceback \(most recent call last\):[\s\S]{0,400}File "[^"]+", line \d+/,
  },
  { name: ".NET stack trace", pattern: /\bat [\w.`<>]+\([^)]*\) in [^\n]+:line \d+/ },
  {
    name: "PHP stack trace",
    pattern: /(?:Stack trace:\s*#0 |PHP (?:Fatal|Parse) error:|\.php(?:\(|:| on line )\d+)/,
  },
  { name: "Ruby backtrace", pattern: /[\w/.-]+\.rb:\d+:in [`']/ },
  { name: "Go panic", pattern: /goroutine \d+ \[running\]:/ },
  {
    name: "Django debug page",
    pattern: /You're seeing this error because you have <code>DEBUG = True<\/code>/,
  },
  { name: "Werkzeug debugger", pattern: /Werkzeug Debugger|The debugger caught an exception/ },
  {
    name: "Laravel / Symfony debug page",
    pattern: /Whoops, looks like something went wrong|Symfony\\Component\\|Ignition/,
  },
  { name: "Rails debug page", pattern: /Action Controller: Exception caught/ },
];

/** The first stack trace or debug page found in a body, with where it starts. */
export function findStackTrace(body: string): { name: string; index: number } | undefined {
  for (const { name, pattern } of STACK_SIGNATURES) {
    const match = pattern.exec(body);
    if (match) return { name, index: match.index };
  }
  return undefined;
}
