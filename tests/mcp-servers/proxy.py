"""A reverse proxy in front of an MCP server on 127.0.0.1, doing what proxies in the field do to
MCP traffic (standard library only; one request per connection).

    python tests/mcp-servers/proxy.py LISTEN_PORT UPSTREAM_PORT MODE

MODE:

- ``pass``: forward requests and answers as they come.
- ``redirect=TARGET``: answer every request with ``307 Temporary Redirect`` to ``TARGET`` (an
  endpoint that moved: a path, or a URL on another host or port), except requests for ``TARGET``
  itself, which are forwarded.
- ``buffer``: forward the answer's status line and headers at once, then hold its body back until
  32 KiB have arrived or the server ends it, as nginx does with ``proxy_buffering on``: an SSE
  stream that stays open delivers nothing.
"""

from __future__ import annotations

import asyncio
import sys

BUFFER = 32 * 1024


async def read_head(reader: asyncio.StreamReader) -> bytes:
    return await reader.readuntil(b"\r\n\r\n")


def header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


def closing(head: bytes) -> bytes:
    """``head`` with ``Connection: close`` (one request per connection)."""
    lines = [
        line
        for line in head.rstrip(b"\r\n").split(b"\r\n")
        if not line.lower().startswith(b"connection:")
    ]
    return b"\r\n".join([*lines, b"Connection: close"]) + b"\r\n\r\n"


async def handle(
    client_reader: asyncio.StreamReader,
    client_writer: asyncio.StreamWriter,
    upstream_port: int,
    mode: str,
) -> None:
    try:
        head = await read_head(client_reader)
        length = int(header(head, b"content-length") or 0)
        body = await client_reader.readexactly(length) if length else b""
        path = head.split(b" ", 2)[1].decode()
        if mode.startswith("redirect="):
            target = mode.partition("=")[2]
            if path.split("?")[0] != target:
                client_writer.write(
                    b"HTTP/1.1 307 Temporary Redirect\r\nLocation: "
                    + target.encode()
                    + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                await client_writer.drain()
                return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", upstream_port)
        try:
            up_writer.write(closing(head) + body)
            await up_writer.drain()
            answer = await read_head(up_reader)
            client_writer.write(answer)
            await client_writer.drain()
            held = b""
            while True:
                chunk = await up_reader.read(4096)
                if not chunk:
                    break
                if mode == "buffer":
                    held += chunk
                    if len(held) >= BUFFER:
                        client_writer.write(held)
                        held = b""
                else:
                    client_writer.write(chunk)
                await client_writer.drain()
            if held:
                client_writer.write(held)
                await client_writer.drain()
        finally:
            up_writer.close()
    except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError, IndexError):
        pass
    finally:
        client_writer.close()


async def main() -> None:
    listen, upstream, mode = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    server = await asyncio.start_server(
        lambda r, w: handle(r, w, upstream, mode), "127.0.0.1", listen
    )
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
