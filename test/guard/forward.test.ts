import assert from "node:assert/strict";
import { BlockList } from "node:net";
import { describe, test } from "node:test";
import { clientAddress, dropConnectionOptions } from "../../src/guard/forward.js";

describe("client address and hop-by-hop fields", () => {
  test("an IPv4 client on a dual-stack listener is one address (::ffff: mapped form dropped)", () => {
    assert.equal(clientAddress("::ffff:203.0.113.9", undefined, undefined), "203.0.113.9");
    assert.equal(clientAddress("203.0.113.9", undefined, undefined), "203.0.113.9");
    assert.equal(clientAddress("2001:db8::1", undefined, undefined), "2001:db8::1");
    // Only a real IPv4 tail is unmapped.
    assert.equal(clientAddress("::ffff:abcd", undefined, undefined), "::ffff:abcd");
  });

  test("a mapped trusted proxy is recognised as the proxy it is", () => {
    const trusted = new BlockList();
    trusted.addAddress("10.0.0.1");
    assert.equal(clientAddress("::ffff:10.0.0.1", "198.51.100.7", trusted), "198.51.100.7");
  });

  test("Connection options are dropped on arrival, except Host and the framing fields", () => {
    const headers = {
      connection: "close, x-secret, Host, content-length, X-Other",
      host: "api.test",
      "content-length": "2",
      "x-secret": "1",
      "x-other": "2",
      "x-kept": "3",
    };
    dropConnectionOptions(headers);
    assert.deepEqual(Object.keys(headers).sort(), [
      "connection",
      "content-length",
      "host",
      "x-kept",
    ]);
  });
});
