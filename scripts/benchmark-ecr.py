#!/usr/bin/env python3
"""A fake ECR GetAuthorizationToken endpoint for scripts/benchmark and scripts/demo (loopback, no signature checks).

Answers every POST with one 12-hour token in ECR's JSON 1.1 shape. The account is derived from the access key in
the SigV4 Authorization header (its trailing digits, else a hash), the region from its credential scope, so every
profile gets its own registry; --registry names a real one (a local docker-registry) for an account, and --password
fixes the password every token carries, so that its htpasswd accepts the logins. Prints its port on stdout once it
listens, then serves until killed.
"""
import argparse, base64, hashlib, json, re, secrets, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")


def account_for(access_key):
    digits = re.search(r"(\d+)$", access_key)
    number = int(digits.group(1)) if digits else int(hashlib.sha256(access_key.encode()).hexdigest(), 16)
    return "%012d" % (number % 10**12)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, so clients can reuse connections
    # Headers and body go out in two writes; with Nagle on, the body would wait for the client's delayed ACK
    # (40 ms on Linux) and every call would look 40 ms slower than --latency-ms.
    disable_nagle_algorithm = True

    def setup(self):  # one call per TCP connection: tells whether clients reuse them
        super().setup()
        with self.server.lock:
            self.server.connections += 1

    def do_GET(self):  # GET /requests: calls answered and connections accepted so far, for the benchmark's checks
        self.answer(200, {"requests": self.server.requests, "connections": self.server.connections})

    def do_POST(self):
        with self.server.lock:
            self.server.requests += 1
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        match = CREDENTIAL.search(self.headers.get("Authorization", ""))
        if not match:
            return self.answer(400, {"__type": "MissingAuthenticationTokenException", "message": "unsigned"})
        if self.server.latency:
            time.sleep(self.server.latency)
        access_key, region = match.groups()
        account = account_for(access_key)
        password = self.server.password or secrets.token_urlsafe(24)
        self.answer(200, {"authorizationData": [{
            "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
            "expiresAt": round(time.time() + 12 * 3600, 3),
            "proxyEndpoint": self.server.registries.get(account, f"https://{account}.dkr.ecr.{region}.amazonaws.com"),
        }]})

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency-ms", type=float, default=0, help="fixed delay before each answer")
    parser.add_argument("--registry", action="append", default=[], metavar="ACCOUNT=URL",
                        help="the proxyEndpoint for ACCOUNT's tokens, e.g. a local registry (scripts/demo)")
    parser.add_argument("--password", help="the password in every token (default: a random one per token)")
    args = parser.parse_args()
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.request_queue_size = 128
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.latency = args.latency_ms / 1000
    server.registries = dict(entry.split("=", 1) for entry in args.registry)
    server.password = args.password
    server.requests, server.connections, server.lock = 0, 0, threading.Lock()
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
