"""A small HTTP/1.1 keep-alive load client on asyncio streams (no third-party code).

It does far less per request than httpx (about 30 µs of Python), so on a
2-core machine the server, not the client, is what gets measured. Only
127.0.0.1; every loop is bounded in count and time by its caller.
"""

import asyncio
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class ConnectionClosed(Exception):
    pass


@dataclass
class Connection:
    host: str
    port: int
    reader: asyncio.StreamReader | None = None
    writer: asyncio.StreamWriter | None = None
    cookies: dict[str, str] = field(default_factory=dict)

    async def _connect(self):
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port, limit=2**20)

    async def close(self):
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
            self.writer = None

    async def request(self, method: str, path: str, *, body: bytes = b"", content_type: str = "",
                      headers: dict | None = None, cookies: dict | None = None) -> Response:
        """One request on this connection (reconnecting once if the server closed it)."""
        for attempt in (1, 2):
            if self.writer is None:
                await self._connect()
            try:
                return await self._request(method, path, body, content_type, headers or {}, cookies)
            except (ConnectionClosed, ConnectionResetError, BrokenPipeError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def _request(self, method, path, body, content_type, headers, cookies) -> Response:
        jar = self.cookies if cookies is None else cookies
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self.host}:{self.port}", "User-Agent: sapa-bench"]
        if jar:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in jar.items()))
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        if content_type:
            lines.append(f"Content-Type: {content_type}")
        lines.extend(f"{k}: {v}" for k, v in headers.items())
        started = time.perf_counter()
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self.reader.readuntil(b"\r\n\r\n")
        if not head:
            raise ConnectionClosed
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split(" ", 2)[1])
        response_headers: dict[str, str] = {}
        response_cookies: dict[str, str] = {}
        for line in header_lines:
            if not line:
                continue
            name, _, value = line.partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                response_cookies[cookie_name] = rest.split(";", 1)[0]
            else:
                response_headers[name] = value
        if "content-length" in response_headers:
            payload = await self.reader.readexactly(int(response_headers["content-length"]))
        elif response_headers.get("transfer-encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).strip().split(b";")[0], 16)
                if size == 0:
                    await self.reader.readuntil(b"\r\n")
                    break
                chunks.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            payload = b"".join(chunks)
        else:
            payload = await self.reader.read()
            await self.close()
        if response_headers.get("connection", "").lower() == "close":
            await self.close()
        if cookies is None:
            self.cookies.update(response_cookies)
        return Response(status, response_headers, response_cookies, payload, time.perf_counter() - started)


def form_body(data: dict) -> bytes:
    return urlencode(data, doseq=True).encode()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(int(round(q / 100 * (len(ordered) - 1))), len(ordered) - 1)
    return ordered[index]


async def throughput(host: str, port: int, path: str, *, concurrency: int, seconds: float,
                     max_requests: int = 200_000) -> dict:
    """GET `path` from `concurrency` keep-alive connections for `seconds` (or max_requests)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    deadline = time.perf_counter() + seconds
    budget = [max_requests]

    async def worker():
        nonlocal errors
        conn = Connection(host, port)
        try:
            while time.perf_counter() < deadline and budget[0] > 0:
                budget[0] -= 1
                try:
                    r = await conn.request("GET", path, cookies={})
                except (OSError, asyncio.IncompleteReadError, ConnectionClosed):
                    errors += 1
                    await conn.close()
                    continue
                statuses[r.status] = statuses.get(r.status, 0) + 1
                latencies.append(r.seconds)
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    return {"path": path, "requests": len(latencies), "rps": len(latencies) / elapsed,
            "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
            "statuses": statuses, "errors": errors}
