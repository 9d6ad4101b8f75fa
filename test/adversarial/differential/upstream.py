"""The Python side of the differential suite: http.server and json, read the way a lenient
WSGI/CGI-style app reads a request. Headers are looked up as CGI names (HTTP_X_FOO: "-" and "_"
fold together, case ignored); the path is percent-decoded with dot segments and repeated
slashes resolved and a trailing slash dropped; chunked bodies are read (and a "gzip"
transfer coding undone); Content-Encoding gzip/deflate is undone; any body that looks like JSON
is parsed with json.loads (which detects UTF-16/32 and a BOM), forms with parse_qsl (the last
value of a repeated field wins, as dict() keeps it); X-HTTP-Method-Override and `_method` in the
query or the body override a POST. Each request's reading is kept; GET /__records?from=N
returns those from N on (asked directly by the suite, never through the guard)."""

import gzip
import json
import posixpath
import re
import sys
import threading
import traceback
import unicodedata
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit

AWS = "AKIAQ3EGRJ7X2KZ5N4PB"
PEM = ("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n"
       "-----END PRIVATE KEY-----\n")
TRACE = ('Traceback (most recent call last):\n  File "/srv/app.py", line 42, in load_item\n'
         "ValueError: boom")
CRED_NAMES = {"access_token", "id_token", "refresh_token", "token", "jwt", "api_key", "apikey",
              "x_api_key", "password", "secret", "client_secret", "authorization"}
JWT = re.compile(r"eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.")
SCHEME = re.compile(r"^(?:bearer|basic)\s+\S{12,}", re.I)
ROUTES = [
    ("GET", r"/api/items", "GET /api/items"),
    ("POST", r"/api/items", "POST /api/items"),
    ("GET", r"/api/items/[^/]+", "GET /api/items/:id"),
    ("POST", r"/api/items/[^/]+", "POST /api/items/:id"),
    ("PUT", r"/api/items/[^/]+", "PUT /api/items/:id"),
    ("PATCH", r"/api/items/[^/]+", "PATCH /api/items/:id"),
    ("DELETE", r"/api/items/[^/]+", "DELETE /api/items/:id"),
    ("GET", r"/admin", "GET /admin"),
    ("POST", r"/admin", "POST /admin"),
    ("GET", r"/admin/[^/]+", "GET /admin/:id"),
    ("DELETE", r"/admin/[^/]+", "DELETE /admin/:id"),
    ("GET", r"/reports", "GET /reports"),
    ("POST", r"/login", "POST /login"),
    ("GET", r"/files/.+", "GET /files/*"),
]
records = []
lock = threading.Lock()


class BadBody(Exception):
    pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def cgi(self, name):
        """Every value of a header as a CGI environment names it."""
        key = name.upper().replace("-", "_")
        return [v for k, v in self.headers.items() if k.upper().replace("-", "_") == key]

    def read_body(self):
        te = ",".join(self.cgi("Transfer-Encoding")).lower()
        if "chunked" in te:
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            if "gzip" in te:
                data = gzip.decompress(data)
        else:
            data = self.rfile.read(int((self.cgi("Content-Length") or ["0"])[0]))
        for coding in reversed(",".join(self.cgi("Content-Encoding")).lower().split(",")):
            coding = coding.strip()
            if coding in ("gzip", "x-gzip"):
                data = gzip.decompress(data)
            elif coding == "deflate":
                data = zlib.decompress(data)
        return data

    def parse_body(self, data):
        ctype = ",".join(self.cgi("Content-Type")).lower()
        if not data:
            return {}
        charset = re.search(r"charset=\"?([\w-]+)", ctype)
        try:
            if "json" in ctype or data.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"{", b"["):
                value = json.loads(data.decode(charset.group(1)) if charset else data)
                return value if isinstance(value, dict) else {}
            text = data.decode(charset.group(1) if charset else "utf-8")
            return dict(parse_qsl(text, keep_blank_values=True))
        except (ValueError, LookupError, UnicodeError) as error:
            raise BadBody(str(error))

    def handle_any(self):
        try:
            self.serve()
        except BadBody:
            self.answer(400, {"Content-Type": "application/json"}, b'{"error":"bad body"}')
        except Exception:
            # A development server: the traceback goes to the client.
            self.answer(500, {"Content-Type": "text/plain"}, traceback.format_exc().encode())

    def serve(self):
        target = urlsplit(self.path)
        query = dict(parse_qsl(target.query, keep_blank_values=True))
        if target.path == "/__records":
            with lock:
                body = json.dumps(records[int(query.get("from", "0")):]).encode()
            return self.answer(200, {"Content-Type": "application/json"}, body)
        raw = self.read_body()
        body = self.parse_body(raw)
        path = unquote(target.path)
        path = posixpath.normpath("/" + path.lstrip("/")) if path else "/"
        path = re.sub(r"/+", "/", path).rstrip("/") or "/"
        method = self.command
        if method == "POST":
            wanted = None
            for name in ("X-HTTP-Method-Override", "X-HTTP-Method", "X-Method-Override"):
                wanted = wanted or next(iter(self.cgi(name)), None)
            wanted = query.get("_method") or wanted
            if isinstance(body.get("_method"), str):
                wanted = body["_method"]
            if wanted and re.fullmatch(r"[A-Za-z]+", wanted):
                method = wanted.upper()
        op = "none"
        for m, pattern, name in ROUTES:
            if m == method and re.fullmatch(pattern, path):
                op = name
                break
        username = None
        if op == "POST /login" and isinstance(body.get("username"), (str, int)):
            username = unicodedata.normalize("NFKC", str(body["username"])).strip().lower()
        creds = []
        for name, value in query.items():
            for part in re.split(r"[\[\]]", name):
                if part.strip().lower().replace(".", "_").replace(" ", "_").replace("-", "_") in CRED_NAMES:
                    creds.append(name)
            if JWT.search(value) or SCHEME.match(value.strip()):
                creds.append(name + "=" + value[:24])
        forwarded = self.cgi("X-Forwarded-For") + self.cgi("X-Real-IP")
        client = forwarded[0].split(",")[0].strip() if forwarded else self.client_address[0]
        with lock:
            records.append({
                "upstream": "python", "op": op, "path": path, "username": username,
                "subject": self.cgi("X-Auth-Subject"), "scopes": self.cgi("X-Auth-Scopes"),
                "apiKeyName": self.cgi("X-Auth-Key"),
                "apiKeys": self.cgi("X-Api-Key") + self.cgi("X-Partner-Key"),
                "queryCredentials": creds, "clientIp": client,
            })
        if op == "POST /login" and not (username and body.get("password") == "right-password"):
            return self.answer(401, {"Content-Type": "application/json"}, b'{"error":"invalid"}')
        self.plant(",".join(self.cgi("X-Plant")), ",".join(self.cgi("Range")))

    def plant(self, kind, range_):
        j = {"Content-Type": "application/json"}
        if kind == "secret-json":
            return self.answer(200, j, json.dumps({"ok": True, "awsAccessKeyId": AWS}).encode())
        if kind == "secret-header":
            return self.answer(200, {**j, "X-Debug-Credential": AWS}, b'{"ok":true}')
        if kind == "secret-gzip-text":
            return self.answer(200, {"Content-Type": "text/plain", "Content-Encoding": "gzip"},
                               gzip.compress(("key:\n" + PEM).encode()))
        if kind == "secret-octet":
            return self.answer(200, {"Content-Type": "application/octet-stream"},
                               b"\0\x01" + PEM.encode())
        if kind == "secret-ndjson":
            return self.answer(200, {"Content-Type": "application/x-ndjson"},
                               ('{"n":1}\n{"key":"%s"}\n' % AWS).encode())
        if kind == "secret-range":
            whole = ("x" * 40 + PEM).encode()
            m = re.fullmatch(r"bytes=(\d+)-(\d*)", range_)
            if not m:
                return self.answer(200, {"Content-Type": "text/plain"}, whole)
            start = int(m.group(1))
            end = min(int(m.group(2)), len(whole) - 1) if m.group(2) else len(whole) - 1
            return self.answer(206, {"Content-Type": "text/plain",
                                     "Content-Range": "bytes %d-%d/%d" % (start, end, len(whole))},
                               whole[start:end + 1])
        if kind == "stack-json-200":
            return self.answer(200, j, json.dumps({"ok": False, "trace": TRACE}).encode())
        if kind == "stack-html-500":
            return self.answer(500, {"Content-Type": "text/html"},
                               ("<pre>%s</pre>" % TRACE).encode())
        if kind == "stack-header":
            return self.answer(200, {**j, "X-Error-Trace": TRACE.replace("\n", " ")}, b'{"ok":true}')
        if kind == "stack-chunked-200":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for part in (b"partial result\n", (TRACE + "\n").encode()):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return None
        return self.answer(200, j, b'{"ok":true}')

    def answer(self, status, headers, body):
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = handle_any


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
threading.Thread(target=server.serve_forever, daemon=True).start()
sys.stdin.read()  # serve until the suite closes our standard input
