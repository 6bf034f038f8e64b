#!/usr/bin/env python3
"""A fake ECR GetAuthorizationToken endpoint for scripts/reliability, with faults and a clock it is told.

Like scripts/benchmark-ecr.py (loopback only, no signature checks, the account from the access key's trailing digits,
the region from the credential scope), plus a small control API so one long-running fake can play a week:

  POST /control  {"now": EPOCH|null, "failure_rate": 0.1, "outage": false, "faults": {"000000000003": "stall-headers"},
                  "default_fault": "ok", "seed": 1}       merges into the state; "now" is the simulated instant that
                                                           expiresAt counts from (null: the real clock)
  GET  /state    {"requests": N, "by_fault": {...}, "tokens": {"<password>": [expiresAt, account, n], ...}}

Fault modes (per account, or for every call): see FAULTS. Prints its port on stdout once it listens. With
--tls CERT KEY it serves HTTPS with that certificate instead (for the untrusted-TLS fault).
"""
import argparse, base64, json, random, re, secrets, socket, ssl, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
FAULTS = {
    "ok": "a 12-hour token",
    "throttling": "400 ThrottlingException on every call (a throttling storm)",
    "server-error": "500 with a JSON InternalFailure body",
    "unavailable": "503 with an empty body",
    "stall-headers": "accepts the request, never sends a byte",
    "stall-body": "sends the headers and 10 bytes of the body, then nothing",
    "truncated": "sends half the body and closes the connection",
    "non-json": "200 with an HTML page",
    "xml-error": "403 with an XML ErrorResponse (AccessDenied)",
    "denied": "400 AccessDeniedException",
    "expired": "a token that expired an hour ago",
    "absurd-expiry": "expiresAt 1e300",
    "far-expiry": "expiresAt in the year 10000",
    "bad-token-user": "a token that decodes to bob:pw, not AWS:...",
    "bad-token-base64": "a token that is not base64",
    "empty-proxy": "proxyEndpoint \"\"",
    "foreign-proxy": "proxyEndpoint https://docker.io (the user's Docker Hub login)",
    "no-data": "authorizationData []",
}


def account_for(access_key):
    digits = re.search(r"(\d+)$", access_key)
    return "%012d" % (int(digits.group(1)) % 10**12 if digits else 999999999999)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        state = self.server.state
        with self.server.lock:
            self.answer(200, {"requests": state["requests"], "by_fault": dict(state["by_fault"]),
                              "tokens": dict(state["tokens"])})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path == "/control":
            with self.server.lock:
                self.server.state.update(json.loads(body or b"{}"))
                if "seed" in self.server.state:
                    self.server.random.seed(self.server.state.pop("seed"))
            return self.answer(200, {"ok": True})
        match = CREDENTIAL.search(self.headers.get("Authorization", ""))
        if not match:
            return self.answer(400, {"__type": "MissingAuthenticationTokenException", "message": "unsigned"})
        access_key, region = match.groups()
        account = account_for(access_key)
        with self.server.lock:
            state = self.server.state
            state["requests"] += 1
            fault = state["faults"].get(account, state["default_fault"])
            if fault == "ok" and state["outage"]:
                fault = "unavailable"
            elif fault == "ok" and self.server.random.random() < state["failure_rate"]:
                fault = self.server.random.choice(["server-error", "throttling", "unavailable"])
            state["by_fault"][fault] = state["by_fault"].get(fault, 0) + 1
            now = state["now"] if state["now"] is not None else time.time()
        self.serve(fault, account, region, now)

    def serve(self, fault, account, region, now):
        if fault == "throttling":
            return self.answer(400, {"__type": "ThrottlingException", "message": "Rate exceeded"})
        if fault == "server-error":
            return self.answer(500, {"__type": "InternalFailure", "message": "We encountered an internal error"})
        if fault == "unavailable":
            return self.answer(503, None)
        if fault == "stall-headers":
            return time.sleep(3600)
        if fault == "stall-body":
            self.send_response(200)
            self.send_header("Content-Length", "400")
            self.end_headers()
            self.wfile.write(b'{"authoriz')
            self.wfile.flush()
            return time.sleep(3600)
        if fault == "non-json":
            return self.answer(200, None, b"<html><body>502 Bad Gateway</body></html>", "text/html")
        if fault == "xml-error":
            xml = (b"<ErrorResponse><Error><Code>AccessDenied</Code><Message>no</Message></Error>"
                   b"<RequestId>1</RequestId></ErrorResponse>")
            return self.answer(403, None, xml, "text/xml")
        if fault == "denied":
            return self.answer(400, {"__type": "AccessDeniedException", "message": "not authorized"})
        if fault == "no-data":
            return self.answer(200, {"authorizationData": []})
        password = secrets.token_urlsafe(24)
        user = "bob" if fault == "bad-token-user" else "AWS"
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        if fault == "bad-token-base64":
            token = "!!not*base64!!"
        expires = {"expired": now - 3600, "absurd-expiry": 1e300, "far-expiry": 253402300800.0 + 86400}
        expires_at = expires.get(fault, round(now + 12 * 3600, 3))
        proxy = {"empty-proxy": "", "foreign-proxy": "https://docker.io"}.get(
            fault, f"https://{account}.dkr.ecr.{region}.amazonaws.com")
        with self.server.lock:
            self.server.state["tokens"][password] = [expires_at, account, len(self.server.state["tokens"])]
        data = {"authorizationData": [{"authorizationToken": token, "expiresAt": expires_at, "proxyEndpoint": proxy}]}
        if fault == "truncated":
            text = json.dumps(data).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text[: len(text) // 2])
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        self.answer(200, data)

    def answer(self, status, body, data=None, content_type="application/x-amz-json-1.1"):
        if data is None:
            data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"), help="serve HTTPS with this certificate")
    parser.add_argument("--list-faults", action="store_true", help="print the fault modes and exit")
    args = parser.parse_args()
    if args.list_faults:
        print(json.dumps(FAULTS))
        return
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*args.tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.lock, server.random = threading.Lock(), random.Random(0)
    server.state = {"requests": 0, "by_fault": {}, "tokens": {}, "now": None, "failure_rate": 0.0,
                    "outage": False, "faults": {}, "default_fault": "ok"}
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
