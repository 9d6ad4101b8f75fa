/** Stack frames and debug pages of common runtimes and frameworks, recognised in bodies. */
export const STACK_SIGNATURES: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  {
    name: "Node.js stack trace",
    pattern: /\n?\s+at (?:[\w$.<>[\] ]+ \()?(?:\/|[A-Za-z]:\\|file:|node:)[^\s)]+:\d+:\d+\)?/,
  },
  {
    // Express's development error page: frames separated by <br> and &nbsp; instead of spaces.
    name: "Node.js stack trace",
    pattern:
      /(?:&nbsp;|&#160;)\s*at (?:[\w$.<>[\] ]+ \()?(?:\/|[A-Za-z]:\\|file:|node:)[^\s)<]+:\d+:\d+/,
  },
  { name: "Java stack trace", pattern: /\bat [a-z][\w$]*(?:\.[\w$<>]+)+\([\w$]+\.java:\d+\)/ },
  {
    name: "Python traceback",
    pattern: /Traceback \(most recent call last\):[\s\S]{0,400}File \\?"[^"\\]+\\?", line \d+/,
  },
  { name: ".NET stack trace", pattern: /\bat [\w.`<>]+\([^)]*\) in [^\n]+:line \d+/ },
  {
    // Frames as PHP prints them (`Connection.php(672)`, `X.php:12`, `on line 12`) and as
    // Symfony's debug page does (`Connection.php line 624`).
    name: "PHP stack trace",
    pattern: /(?:Stack trace:\s*#0 |PHP (?:Fatal|Parse) error:|\.php(?:\(|:| on line | line )\d+)/,
  },
  { name: "Ruby backtrace", pattern: /[\w/.-]+\.rb:\d+:in [`']/ },
  { name: "Go panic", pattern: /goroutine \d+ \[running\]:/ },
  {
    name: "Django debug page",
    pattern: /You[\u2019']re seeing this error because you have (?:<code>)?DEBUG = True/,
  },
  { name: "Werkzeug debugger", pattern: /Werkzeug Debugger|The debugger caught an exception/ },
  {
    // By what only the debug pages carry: Whoops' title, Ignition's boot script, Symfony's class
    // names. Not "Whoops, looks like something went wrong.", which Symfony and Laravel also show
    // with debug off, nor the bare word "Ignition" (a car part in a shop's catalogue).
    name: "Laravel / Symfony debug page",
    pattern: /<title>Whoops! There was an error\.<\/title>|window\.ignite\(|Symfony\\Component\\/,
  },
  {
    name: "Laravel debug error",
    pattern: /"exception"\s*:\s*"[\w\\]+",\s*"file"\s*:\s*"[^"]+\.php"/,
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
