// Measures the weak-secret search (JWT-01): HMAC candidates per second on one core.
// Usage: npm run build && node bench/scan/jwt-secret.mjs [rounds]
// Reproducible: a fixed HS256 token shaped like a login token (about 300 bytes of signing
// input), signed with a secret that is not in the list, so every candidate of Rampart's list
// (hand-written words and variants, host-name variants, then the public lists the build packs
// in: about 190,000) is tried once per round, as a scan does; the same for HS512. The figures
// are the medians of the rounds, in wall time and in CPU time of this process (one thread: the
// search runs on the scan's event loop, so CPU time is the rate per core even when other
// processes share the machine). It also prints what building the list costs, once per scan.
import { createHmac } from "node:crypto";
import { crackHmacSecret, hmacSecretTester } from "../../dist/src/scan/jwt/crack.js";
import { decodeJwt } from "../../dist/src/scan/jwt/token.js";
import { buildSecretWordlist } from "../../dist/src/vocabulary/jwt-secrets.js";

const rounds = Number(process.argv[2] ?? 5);
const payload = {
  iss: "https://api.example.com",
  aud: "example-api",
  sub: "3f8b2c1e-7a4d-4e9a-9b1c-2d5e6f7a8b9c",
  scope: "orders:read orders:write profile",
  iat: 1_795_000_000,
  exp: 1_795_000_600,
  jti: "6d0f4a7e-1c2b-4d3e-8f9a-0b1c2d3e4f5a",
};
const cpuMs = (used) => (used.user + used.system) / 1000;
const building = [];
let words = [];
for (let i = 0; i < rounds; i++) {
  const before = process.cpuUsage();
  words = buildSecretWordlist("api.example.com");
  building.push(cpuMs(process.cpuUsage(before)));
}

function token(alg, hash) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString("base64url");
  const input = `${b64({ alg, typ: "JWT" })}.${b64(payload)}`;
  const sig = createHmac(hash, "not-in-any-list-6f1e0c").update(input).digest("base64url");
  return `${input}.${sig}`;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(
  `list: ${words.length.toLocaleString("en-US")} candidates (${new Set(words).size.toLocaleString("en-US")} distinct), ` +
    `built in ${Math.round(median(building))} ms of CPU (median of ${rounds}, the first loads the file)`,
);
for (const [alg, hash] of [
  ["HS256", "sha256"],
  ["HS512", "sha512"],
]) {
  const jwt = decodeJwt(token(alg, hash));
  const tester = hmacSecretTester(jwt);
  await crackHmacSecret(tester, words.slice(0, 20_000)); // warm-up
  const wall = [];
  const cpu = [];
  const seconds = [];
  for (let i = 0; i < rounds; i++) {
    const before = process.cpuUsage();
    const result = await crackHmacSecret(tester, words);
    const used = process.cpuUsage(before);
    if (result.secret !== undefined) throw new Error("the bench secret must not be in the list");
    wall.push(result.perSecond);
    seconds.push(result.elapsedMs / 1000);
    cpu.push(Math.round((result.tried * 1000) / cpuMs(used)));
  }
  console.log(
    `${alg}: ${words.length} candidates, signing input ${jwt.signingInput.length} bytes: ` +
      `median ${median(wall).toLocaleString("en-US")} candidates/s (wall), ` +
      `${median(cpu).toLocaleString("en-US")} per CPU-second; the whole list in ${median(seconds).toFixed(2)} s (wall)`,
  );
}
