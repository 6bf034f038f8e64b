#!/usr/bin/env python3
"""A fake ECR GetAuthorizationToken endpoint for scripts/benchmark and scripts/demo (loopback, no signature checks).

Answers every POST with one 12-hour token in ECR's JSON 1.1 shape. The account is derived from the access key in
the SigV4 Authorization header (its trailing digits, else a hash), the region from its credential scope, so every
profile gets its own registry; --registry names a real one (a local docker-registry) for an account, and --password
fixes the password every token carries, so that its htpasswd accepts the logins. Prints its port on stdout once it
listens, then serves until killed.

One asyncio loop serves every connection (HTTP/1.1 keep-alive), on uvloop when it is installed (scripts/bootstrap
installs it): the benchmark's login sweep keeps up to 64 calls waiting out --latency-ms at once, and each wave of
them is answered one after the other. With a thread per connection (http.server), and then with the standard
event loop, the fake spent as much CPU as the client it was measuring, and delayed each wave by as much; a real
ECR costs the client's machine nothing. So each connection is an `asyncio.Protocol` (no stream, no task, no
coroutine per request), the delay is one `call_later`, the credential scope is cut out with `bytes.find` (the
regular expression only for what that fast path refuses), and what depends on the key alone is worked out once.
"""
import argparse, asyncio, base64, hashlib, json, re, secrets, time

CREDENTIAL = re.compile(rb"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")
REGION_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyz0123456789-")
KEY_STOPS = frozenset(b",/ \t\r\n\x0b\x0c")
UNSIGNED = (400, json.dumps({"__type": "MissingAuthenticationTokenException", "message": "unsigned"}).encode())


def account_for(access_key):
    digits = re.search(r"(\d+)$", access_key)
    number = int(digits.group(1)) if digits else int(hashlib.sha256(access_key.encode()).hexdigest(), 16)
    return "%012d" % (number % 10**12)


def credential_scope(authorization):
    """The access key and region of `Credential=KEY/YYYYMMDD/REGION/`, as CREDENTIAL finds them, or None."""
    start = authorization.find(b"Credential=")
    if start >= 0:
        start += 11
        slash = authorization.find(b"/", start)
        date, region_start = slash + 1, slash + 10
        region_end = authorization.find(b"/", region_start)
        key, region = authorization[start:slash], authorization[region_start:region_end]
        if (slash > start and region_end > region_start and not KEY_STOPS.intersection(key)
                and authorization[date:region_start - 1].isdigit() and authorization[region_start - 1] == 0x2F
                and REGION_BYTES.issuperset(region)):
            return key, region
    # Anything unusual (a second Credential=, stray bytes): the regular expression decides, as it always did.
    match = CREDENTIAL.search(authorization)
    return match.groups() if match else None


class FakeECR:
    def __init__(self, latency, registries, password):
        self.latency, self.registries, self.password = latency, registries, password
        self.requests = self.connections = 0
        self.scopes = {}  # (access key, region) -> the body's text before and after expiresAt
        self.fixed_token = base64.b64encode(f"AWS:{password}".encode()).decode() if password else None

    def token(self, authorization):
        """The status and body for a POST, as text around a placeholder for the token and expiresAt."""
        scope = credential_scope(authorization)
        if scope is None:
            return None
        parts = self.scopes.get(scope)
        if parts is None:
            access_key, region = (group.decode() for group in scope)
            account = account_for(access_key)
            endpoint = self.registries.get(account, f"https://{account}.dkr.ecr.{region}.amazonaws.com")
            # json.dumps's own rendering, so the bytes are what it gave for the whole body.
            parts = self.scopes[scope] = ('{"authorizationData": [{"authorizationToken": ',
                                          ', "expiresAt": ', ', "proxyEndpoint": %s}]}' % json.dumps(endpoint))
        token = self.fixed_token or base64.b64encode(f"AWS:{secrets.token_urlsafe(24)}".encode()).decode()
        return (parts[0] + json.dumps(token) + parts[1] + json.dumps(round(time.time() + 12 * 3600, 3))
                + parts[2]).encode()


class Connection(asyncio.Protocol):
    """One keep-alive connection: requests are answered one at a time, in order, as the stream version did."""

    def __init__(self, fake):
        self.fake, self.buffer, self.busy, self.transport = fake, b"", False, None

    def connection_made(self, transport):
        self.fake.connections += 1  # one per TCP connection: tells whether clients reuse them
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        if not self.busy:
            self.next_request()

    def connection_lost(self, exc):
        self.transport = None

    def next_request(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = self.buffer[:end]
        headers = {}
        lines = head.split(b"\r\n")
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        try:
            length = int(headers.get(b"content-length") or 0)
        except ValueError:
            self.transport.close()
            return
        if len(self.buffer) < end + 4 + length:
            return  # the body is still on its way
        self.buffer = self.buffer[end + 4 + length:]
        close = headers.get(b"connection", b"").lower() == b"close"
        fake = self.fake
        if lines[0].split(b" ", 1)[0] == b"GET":  # GET /requests: calls answered and connections accepted
            return self.answer(200, json.dumps({"requests": fake.requests, "connections": fake.connections}).encode(),
                               close)
        fake.requests += 1
        body = fake.token(headers.get(b"authorization", b""))
        if body is None:
            return self.answer(*UNSIGNED, close)
        if fake.latency:
            self.busy = True
            asyncio.get_running_loop().call_later(fake.latency, self.answer, 200, body, close)
        else:
            self.answer(200, body, close)

    def answer(self, status, body, close):
        self.busy = False
        if self.transport is None or self.transport.is_closing():
            return
        self.transport.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n"
                             % (status, b"OK" if status == 200 else b"Bad Request", len(body)) + body)
        if close:
            self.transport.close()
        elif self.buffer:
            self.next_request()


def run(main):
    try:
        import uvloop
    except ImportError:
        return asyncio.run(main())
    return uvloop.run(main())


async def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--latency-ms", type=float, default=0, help="fixed delay before each answer")
    parser.add_argument("--registry", action="append", default=[], metavar="ACCOUNT=URL",
                        help="the proxyEndpoint for ACCOUNT's tokens, e.g. a local registry (scripts/demo)")
    parser.add_argument("--password", help="the password in every token (default: a random one per token)")
    args = parser.parse_args()
    fake = FakeECR(args.latency_ms / 1000, dict(entry.split("=", 1) for entry in args.registry), args.password)
    server = await asyncio.get_running_loop().create_server(lambda: Connection(fake), "127.0.0.1", args.port,
                                                            backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    run(main)
