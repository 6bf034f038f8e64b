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
ECR costs the client's machine nothing.
"""
import argparse, asyncio, base64, hashlib, json, re, secrets, time

CREDENTIAL = re.compile(rb"Credential=([^/,\s]+)/\d{8}/([a-z0-9-]+)/")


def account_for(access_key):
    digits = re.search(r"(\d+)$", access_key)
    number = int(digits.group(1)) if digits else int(hashlib.sha256(access_key.encode()).hexdigest(), 16)
    return "%012d" % (number % 10**12)


class FakeECR:
    def __init__(self, latency, registries, password):
        self.latency, self.registries, self.password = latency, registries, password
        self.requests = self.connections = 0

    async def serve(self, reader, writer):
        self.connections += 1  # one per TCP connection: tells whether clients reuse them
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.split(b"\r\n")
                method = lines[0].split(b" ", 1)[0]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
                await reader.readexactly(int(headers.get(b"content-length") or 0))
                if method == b"GET":  # GET /requests: calls answered and connections accepted, for the checks
                    status, body = 200, {"requests": self.requests, "connections": self.connections}
                else:
                    self.requests += 1
                    status, body = await self.token(headers.get(b"authorization", b""))
                data = json.dumps(body).encode()
                writer.write(b"HTTP/1.1 %d %s\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: %d\r\n\r\n"
                             % (status, b"OK" if status == 200 else b"Bad Request", len(data)) + data)
                await writer.drain()
                if headers.get(b"connection", b"").lower() == b"close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def token(self, authorization):
        match = CREDENTIAL.search(authorization)
        if not match:
            return 400, {"__type": "MissingAuthenticationTokenException", "message": "unsigned"}
        if self.latency:
            await asyncio.sleep(self.latency)
        access_key, region = (group.decode() for group in match.groups())
        account = account_for(access_key)
        password = self.password or secrets.token_urlsafe(24)
        return 200, {"authorizationData": [{
            "authorizationToken": base64.b64encode(f"AWS:{password}".encode()).decode(),
            "expiresAt": round(time.time() + 12 * 3600, 3),
            "proxyEndpoint": self.registries.get(account, f"https://{account}.dkr.ecr.{region}.amazonaws.com"),
        }]}


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
    server = await asyncio.start_server(fake.serve, "127.0.0.1", args.port, backlog=1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    run(main)
