import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isDirectoryListing } from "../../src/scan/checks/access/directory-listing.js";
import { findStackTrace } from "../../src/scan/checks/processing/stack-traces.js";
import { isErrorBody } from "../../src/scan/responses.js";
import type { Exchange } from "../../src/scan/types.js";

const html = (body: string, status = 200): Exchange => ({
  method: "GET",
  url: "http://127.0.0.1/x/",
  requestHeaders: {},
  status,
  headers: { "content-type": "text/html" },
  setCookies: [],
  body,
  truncated: false,
});

describe("recognisers, both ways", () => {
  test("directory listings of Apache, nginx and Python are recognised by structure", () => {
    assert.ok(
      isDirectoryListing(
        html(
          '<html><head><title>Index of /uploads</title></head><body><h1>Index of /uploads</h1><a href="a.txt">a.txt</a>',
        ),
      ),
    );
    assert.ok(
      isDirectoryListing(html('<title>Directory listing for /</title><ul><li><a href="x">x</a>')),
    );
    assert.ok(isDirectoryListing(html('<pre><A HREF="/">[To Parent Directory]</A>')));
  });

  test("a 200 page, a listing-looking 404, or prose about indexes is not a listing", () => {
    assert.equal(isDirectoryListing(html("<html><title>Shop</title><a href='/'>home</a>")), false);
    assert.equal(
      isDirectoryListing(html('<title>Index of /x</title><a href="a">a</a>', 404)),
      false,
    );
    assert.equal(isDirectoryListing(html("<p>The Index of / page lists nothing</p>")), false);
  });

  test("stack traces of Node, Java, Python, .NET, Ruby and Go are found", () => {
    const samples = [
      "Error: x\n    at handler (/app/src/routes/orders.js:42:17)",
      "java.lang.NullPointerException\n\tat com.example.api.OrderController.get(OrderController.java:57)",
      'Traceback (most recent call last):\n  File "/srv/app.py", line 12, in view',
      "   at Shop.Api.OrdersController.Get(Int32 id) in C:\\src\\OrdersController.cs:line 31",
      "/app/controllers/orders_controller.rb:12:in `show'",
      "goroutine 1 [running]:\nmain.main()",
    ];
    for (const s of samples) assert.ok(findStackTrace(s), s);
  });

  test("ordinary JSON and error messages are not stack traces", () => {
    for (const s of [
      '{"title":"Not Found","status":404,"detail":"No order 12 at /api/orders"}',
      '{"error":"invalid_request","error_description":"at least one scope"}',
      '{"items":[{"name":"Server rack","at":"2024-01-01T10:00:00Z"}]}',
    ])
      assert.equal(findStackTrace(s), undefined, s);
  });

  test("error bodies disguised as 200, and bodies that are not", () => {
    assert.ok(isErrorBody('{"success":false,"error":"Not found"}'));
    assert.ok(isErrorBody('{"status":"error","message":"x"}'));
    assert.equal(isErrorBody('{"ok":true}'), false);
    assert.equal(isErrorBody('{"data":[],"errors":[]}'), false);
    assert.equal(isErrorBody("<html>error</html>"), false);
  });
});
