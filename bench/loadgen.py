"""An open-loop HTTP load generator (asyncio, HTTP/1.1 keep-alive), for bench/viral.py.

Open loop, as wrk2 does it: request n of a kind is *due* at start + n / rate, whether or not
earlier ones have been answered, and its latency is measured from when it was due, not from
when it was sent. A server that falls behind therefore shows its queueing in the latencies
instead of quietly slowing the generator down (coordinated omission). wrk2 is not packaged by
Debian; this does the same for a few thousand requests a second, which is what we need.

    python bench/loadgen.py PLAN.json RESULT.json

PLAN: {"host", "port", "duration", "headers": {...}, "kinds": [{"name", "rate", "method",
"paths": [...] (cycled) | "path", "body" (with "__N__" replaced by a unique value) |
"tokens_file" + "token_offset" + "token_step" (path = path + token), "expect": [status...]}]}
RESULT: per kind, the latencies (µs), statuses, errors, and for bodies with "__N__" the value
and the wall-clock time each request was sent (bench/viral.py matches mails to it).
"""
from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

MAX_CONNECTIONS = 600  # per generator process; nginx holds them as cheap keep-alive sockets
TIMEOUT = 10.0


class Pool:
    """Keep-alive connections to one address, opened on demand up to MAX_CONNECTIONS."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
        self.opened = 0
        self.freed = asyncio.Condition()

    async def get(self, fresh: bool = False):
        """(connection, reused): an idle connection, a new one, or the next one freed. With
        `fresh`, a new one (waiting for a free slot if need be)."""
        while True:
            if self.idle and not fresh:
                return self.idle.pop(), True
            if self.opened < MAX_CONNECTIONS:
                self.opened += 1
                try:
                    return await asyncio.open_connection(self.host, self.port), False
                except OSError:
                    self.opened -= 1
                    raise
            if self.idle:  # fresh, and every slot taken: drop an idle one for a new one
                self.opened -= 1
                self.idle.pop(0)[1].close()
                continue
            async with self.freed:
                await self.freed.wait()

    async def put(self, conn, reusable: bool) -> None:
        """Give a connection back (or close it) and wake one waiter."""
        if reusable:
            self.idle.append(conn)
        else:
            self.opened -= 1
            conn[1].close()
        async with self.freed:
            self.freed.notify()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, keep-alive) of one response, its body read and dropped."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if b":" in line:
            key, value = line.split(b":", 1)
            headers[key.strip().lower()] = value.strip().lower()
    if b"content-length" in headers:
        await reader.readexactly(int(headers[b"content-length"]))
    elif headers.get(b"transfer-encoding") == b"chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status, headers.get(b"connection") != b"close"


class Kind:
    """One kind of request at a fixed rate, and what became of each."""

    def __init__(self, spec: dict, headers: dict, host: str):
        self.spec = spec
        self.name = spec["name"]
        self.rate = float(spec["rate"])
        self.method = spec.get("method", "GET")
        self.paths = spec.get("paths") or [spec.get("path", "/")]
        self.body = spec.get("body")
        self.tokens = Path(spec["tokens_file"]).read_text().split() if spec.get("tokens_file") else None
        self.offset, self.step = spec.get("token_offset", 0), spec.get("token_step", 1)
        self.unique_prefix = spec.get("unique_prefix", "u")
        self.expect = set(spec.get("expect", [200]))
        self.headers = {"Host": host, **headers, **spec.get("headers", {})}
        self.latencies: list[int] = []
        self.statuses: dict[str, int] = {}
        self.errors: dict[str, int] = {}
        self.sent: list[tuple[str, float]] = []  # (unique value, wall-clock time sent)
        self.retried = 0  # sent again on a new connection (the kept-alive one had been closed)
        self.late = 0  # requests the generator itself started more than 50 ms after they were due

    def request(self, n: int) -> tuple[bytes, str | None]:
        """The bytes of request n, and its unique value (if its body has one)."""
        path, unique, body = self.paths[n % len(self.paths)], None, b""
        if self.tokens is not None:
            index = self.offset + n * self.step
            if index >= len(self.tokens):
                raise IndexError("not enough tokens prepared")
            path = path + self.tokens[index]
        if self.body is not None:
            unique = f"{self.unique_prefix}{n}"
            body = self.body.replace("__N__", unique).encode()
        lines = [f"{self.method} {path} HTTP/1.1"] + [f"{k}: {v}" for k, v in self.headers.items()]
        if self.method == "POST":
            lines += ["Content-Type: application/x-www-form-urlencoded", f"Content-Length: {len(body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + body, unique


async def exchange(conn, data: bytes, due: float) -> tuple[int, bool]:
    """Send one request on `conn` and read its answer, within what is left of TIMEOUT."""
    reader, writer = conn
    writer.write(data)
    return await asyncio.wait_for(read_response(reader), TIMEOUT - (time.monotonic() - due))


async def one(pool: Pool, kind: Kind, n: int, due: float) -> None:
    """Send request n of `kind` and record its latency from `due`."""
    try:
        data, unique = kind.request(n)
    except IndexError:
        kind.errors["no_token"] = kind.errors.get("no_token", 0) + 1
        return
    if time.monotonic() - due > 0.05:
        kind.late += 1
    conn = None
    try:
        conn, reused = await asyncio.wait_for(pool.get(), TIMEOUT)
        if unique is not None:
            kind.sent.append((unique, time.time()))
        try:
            status, keep = await exchange(conn, data, due)
        except (asyncio.IncompleteReadError, ConnectionError) as exc:
            # A kept-alive connection the server had closed, before any byte of an answer: a
            # browser sends the request again on a new connection (RFC 9112, 9.3.1), so do we.
            if not reused or (isinstance(exc, asyncio.IncompleteReadError) and exc.partial):
                raise
            await pool.put(conn, False)
            conn = None
            kind.retried += 1
            conn, _ = await asyncio.wait_for(pool.get(fresh=True), max(0.001, TIMEOUT - (time.monotonic() - due)))
            status, keep = await exchange(conn, data, due)
    except (asyncio.TimeoutError, TimeoutError):
        kind.errors["timeout"] = kind.errors.get("timeout", 0) + 1
        if conn:
            await pool.put(conn, False)
        return
    except (OSError, asyncio.IncompleteReadError, ValueError, IndexError) as exc:
        key = type(exc).__name__
        kind.errors[key] = kind.errors.get(key, 0) + 1
        if conn:
            await pool.put(conn, False)
        return
    kind.latencies.append(int((time.monotonic() - due) * 1e6))
    kind.statuses[str(status)] = kind.statuses.get(str(status), 0) + 1
    if status not in kind.expect:
        kind.errors[f"status_{status}"] = kind.errors.get(f"status_{status}", 0) + 1
    await pool.put(conn, keep)


async def drive(pool: Pool, kind: Kind, start: float, duration: float, tasks: set) -> None:
    """Start request n of `kind` when it is due, for `duration` seconds."""
    total = int(kind.rate * duration)
    for n in range(total):
        due = start + n / kind.rate
        delay = due - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        task = asyncio.create_task(one(pool, kind, n, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)


async def main(plan: dict) -> dict:
    """Run the plan; the results per kind."""
    pool = Pool(plan["host"], plan["port"])
    host = f"{plan['host']}:{plan['port']}"
    kinds = [Kind(spec, plan.get("headers", {}), plan.get("host_header", host)) for spec in plan["kinds"]]
    start = time.monotonic() + 0.2
    wall_start = time.time() + 0.2
    tasks: set = set()
    await asyncio.gather(*(drive(pool, kind, start, plan["duration"], tasks) for kind in kinds if kind.rate > 0))
    if tasks:
        await asyncio.wait(set(tasks), timeout=TIMEOUT + 5)
    ended = time.monotonic()
    return {"wall_start": wall_start, "elapsed": ended - start, "connections_opened": pool.opened,
            "kinds": {k.name: {"rate": k.rate, "latencies_us": k.latencies, "statuses": k.statuses,
                               "errors": k.errors, "sent": k.sent, "late": k.late, "retried": k.retried,
                               "due": int(k.rate * plan["duration"])} for k in kinds}}


if __name__ == "__main__":
    plan_file, result_file = sys.argv[1:3]
    result = asyncio.run(main(json.loads(Path(plan_file).read_text())))
    Path(result_file).write_text(json.dumps(result))
