"""A stand-in Web Push service for the dose-reminder benchmark: a real HTTP/1.1 server on
127.0.0.1 that the product's Web Push sender posts to, as it would to a browser vendor's.

    .venv/bin/python bench/push_service.py --port 18743 --record /tmp/pushes.bin

Every POST is answered 201 Created (keep-alive) and kept as it came: the time it arrived,
the path (which names the device), the Topic header and the encrypted body. The bench reads
them back (GET /dump writes them to --record) and decrypts each with the device's key after
the run, so the push service spends nothing on decryption while it is timed, as a real one
never decrypts. GET /stats answers {"received", "first", "last"} (epoch seconds); POST
/reset forgets everything. One asyncio process, no framework: at a few thousand messages a
second its own cost stays a small share of the machine, and it is counted apart.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import struct
import time
from pathlib import Path

CREATED = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\nLocation: /m\r\n\r\n"


class Store:
    def __init__(self, record: Path):
        self.record = record
        self.messages: list[tuple[float, bytes, bytes, bytes]] = []

    def stats(self) -> dict:
        times = [m[0] for m in self.messages]
        return {
            "received": len(times),
            "first": min(times) if times else None,
            "last": max(times) if times else None,
        }

    def dump(self) -> int:
        """Each message as: time (double), then path, topic and body, each length-prefixed."""
        with self.record.open("wb") as out:
            for at, path, topic, body in self.messages:
                out.write(struct.pack("<dIII", at, len(path), len(topic), len(body)))
                out.write(path + topic + body)
        return len(self.messages)


def read_dump(path: Path) -> list[tuple[float, str, str, bytes]]:
    """What Store.dump wrote: (time, path, topic, body) per message."""
    data, found, at = path.read_bytes(), [], 0
    head = struct.calcsize("<dIII")
    while at < len(data):
        when, n_path, n_topic, n_body = struct.unpack_from("<dIII", data, at)
        at += head
        path_ = data[at : at + n_path].decode()
        topic = data[at + n_path : at + n_path + n_topic].decode()
        body = data[at + n_path + n_topic : at + n_path + n_topic + n_body]
        at += n_path + n_topic + n_body
        found.append((when, path_, topic, body))
    return found


class Connection(asyncio.Protocol):
    """HTTP/1.1 with keep-alive: requests parsed from the buffer as they complete."""

    def __init__(self, store: Store):
        self.store = store
        self.buffer = b""

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buffer[:end].split(b"\r\n")
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(b":")
                headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            if len(self.buffer) < end + 4 + length:
                return
            body = self.buffer[end + 4 : end + 4 + length]
            self.buffer = self.buffer[end + 4 + length :]
            method, path, _ = head[0].split(b" ", 2)
            self.transport.write(self.answer(method, path, headers, body))

    def answer(self, method: bytes, path: bytes, headers: dict, body: bytes) -> bytes:
        if method == b"POST" and path.startswith(b"/push/"):
            self.store.messages.append((time.time(), path, headers.get(b"topic", b""), body))
            return CREATED
        if path == b"/stats":
            return self.json(self.store.stats())
        if path == b"/dump":
            return self.json({"written": self.store.dump()})
        if method == b"POST" and path == b"/reset":
            self.store.messages.clear()
            return self.json({"received": 0})
        return b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n"

    @staticmethod
    def json(value: dict) -> bytes:
        text = json.dumps(value).encode()
        return (
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            + b"Content-Length: %d\r\n\r\n" % len(text)
            + text
        )


async def serve(port: int, record: Path) -> None:
    store = Store(record)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: Connection(store), "127.0.0.1", port, backlog=512)
    print(f"push service on http://127.0.0.1:{port}", flush=True)
    async with server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.record))


if __name__ == "__main__":
    main()
