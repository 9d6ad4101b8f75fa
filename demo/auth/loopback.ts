/** Host names that name this machine: the only ones the demo ever fetches from. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * True for an http(s) URL on the loopback interface. The flawed features that fetch URLs named
 * by a client (`jku`, XXE `SYSTEM` ids) stay confined to this machine: a scanner's callback
 * listener runs there, and the demo never becomes an SSRF relay towards any other host.
 *
 * @example
 * ```ts
 * isLoopbackUrl(new URL("http://127.0.0.1:8080/x")); // true
 * isLoopbackUrl(new URL("http://metadata.invalid/")); // false
 * ```
 */
export function isLoopbackUrl(url: URL): boolean {
  return (
    (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname)
  );
}

export interface LoopbackFetchOptions {
  readonly timeoutMs?: number;
  /** Bytes read at most; the rest of the body is dropped. */
  readonly maxBytes?: number;
}

/**
 * GETs a loopback URL (2 s timeout, first 64 KiB, no redirects followed) and returns its body as
 * text; throws for any other URL, a non-2xx answer, or a timeout.
 *
 * @example
 * ```ts
 * const text = await fetchLoopback("http://127.0.0.1:9999/callback");
 * ```
 */
export async function fetchLoopback(
  target: string,
  options: LoopbackFetchOptions = {},
): Promise<string> {
  const url = new URL(target);
  if (!isLoopbackUrl(url)) throw new Error(`not a loopback URL: ${url.origin}`);
  const maxBytes = options.maxBytes ?? 64 * 1024;
  const response = await fetch(url, {
    redirect: "manual",
    signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
  });
  if (response.status < 200 || response.status > 299 || !response.body) {
    await response.body?.cancel();
    throw new Error(`${url.origin} answered ${response.status}`);
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  while (size < maxBytes) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  await reader.cancel();
  return Buffer.concat(chunks).subarray(0, maxBytes).toString("utf8");
}
