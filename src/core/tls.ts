/**
 * The cipher list Rampart serves with (the guard) and the demo's hardened twin uses: Mozilla's
 * "intermediate" profile, TLS 1.2 with ECDHE key exchange and AEAD suites only, plus TLS 1.3.
 *
 * @example
 * ```ts
 * createServer({ key, cert, minVersion: "TLSv1.2", ciphers: MODERN_CIPHERS });
 * ```
 */
export const MODERN_CIPHERS = [
  "TLS_AES_128_GCM_SHA256",
  "TLS_AES_256_GCM_SHA384",
  "TLS_CHACHA20_POLY1305_SHA256",
  "ECDHE-ECDSA-AES128-GCM-SHA256",
  "ECDHE-RSA-AES128-GCM-SHA256",
  "ECDHE-ECDSA-AES256-GCM-SHA384",
  "ECDHE-RSA-AES256-GCM-SHA384",
  "ECDHE-ECDSA-CHACHA20-POLY1305",
  "ECDHE-RSA-CHACHA20-POLY1305",
].join(":");
