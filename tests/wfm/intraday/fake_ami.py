"""A fake Asterisk Manager Interface server speaking the AMI text protocol over TCP: the banner
``Asterisk Call Manager/5.0.2``, ``Action: Login`` answered ``Response: Success`` (or ``Error``,
``Authentication failed``, then the connection is closed, as Asterisk does), then a script of
events (``Key: Value`` lines, a blank line after each). The client's first action after the login,
``QueueStatus``, is answered before the script as Asterisk answers it: ``Response: Success`` with
``EventList: start``, the connection's status rows (``QueueParams``, ``QueueMember``,
``QueueEntry``, each carrying the action's ``ActionID``), then ``QueueStatusComplete``.
``DROP`` in a script closes the connection there (the client should reconnect); ``SILENT`` ends
the script with a connection that stays open but answers nothing more (a dead peer). Each
connection plays the next script. Pings are answered until the client goes."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

DROP = "DROP"
SILENT = "SILENT"
Script = Sequence[dict[str, str] | str]


def block(headers: dict[str, str]) -> bytes:
    return ("".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n").encode()


async def _read_block(reader: asyncio.StreamReader) -> dict[str, str] | None:
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    headers: dict[str, str] = {}
    for line in raw.decode().split("\r\n"):
        if ": " in line:
            key, value = line.split(": ", 1)
            headers[key.lower()] = value
    return headers


@dataclass
class FakeAmi:
    scripts: list[Script]
    statuses: list[list[dict[str, str]]] = field(default_factory=list)
    """The QueueStatus rows of each connection (none: an empty answer)."""
    username: str = "ccops"
    secret: str = "s3cret"
    logins: list[tuple[str, str]] = field(default_factory=list)
    refused: int = 0
    connections: int = 0
    status_asked: int = 0
    done: asyncio.Event | None = None
    server: asyncio.Server | None = None
    sessions: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> int:
        self.done = asyncio.Event()
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        """Stop listening; let the open sessions see their client go (then cut them)."""
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
        if self.sessions:
            _, late = await asyncio.wait(self.sessions, timeout=1.0)
            for task in late:
                task.cancel()
            await asyncio.gather(*late, return_exceptions=True)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.sessions.add(task)
        try:
            await self._session(reader, writer)
        except asyncio.CancelledError:
            pass
        finally:
            writer.close()
            self.sessions.discard(task)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"Asterisk Call Manager/5.0.2\r\n")
        await writer.drain()
        login = await _read_block(reader)
        if login is None or login.get("action", "").lower() != "login":
            return
        action_id = login.get("actionid", "")
        self.logins.append((login.get("username", ""), login.get("secret", "")))
        if (login.get("username"), login.get("secret")) != (self.username, self.secret):
            self.refused += 1
            writer.write(
                block(
                    {
                        "Response": "Error",
                        "ActionID": action_id,
                        "Message": "Authentication failed",
                    }
                )
            )
            await writer.drain()
            return
        writer.write(
            block(
                {
                    "Response": "Success",
                    "ActionID": action_id,
                    "Message": "Authentication accepted",
                }
            )
        )
        writer.write(block({"Event": "FullyBooted", "Privilege": "system,all", "Status": "OK"}))
        await writer.drain()
        asked = await _read_block(reader)
        if asked is None:
            return
        await self._answer(writer, asked)
        script = self.scripts[self.connections] if self.connections < len(self.scripts) else []
        self.connections += 1
        for item in script:
            if item == DROP:
                return
            if item == SILENT:
                while await _read_block(reader) is not None:
                    pass
                return
            assert isinstance(item, dict)
            writer.write(block(item))
            await writer.drain()
            await asyncio.sleep(0.005)
        if self.connections >= len(self.scripts) and self.done is not None:
            self.done.set()
        while (action := await _read_block(reader)) is not None:
            await self._answer(writer, action)

    async def _answer(self, writer: asyncio.StreamWriter, action: dict[str, str]) -> None:
        """Answer QueueStatus with this connection's rows, any other action as a Ping."""
        action_id = action.get("actionid", "")
        if action.get("action", "").lower() == "queuestatus":
            self.status_asked += 1
            n = self.connections
            rows = self.statuses[n] if n < len(self.statuses) else []
            writer.write(
                block(
                    {
                        "Response": "Success",
                        "ActionID": action_id,
                        "EventList": "start",
                        "Message": "Queue status will follow",
                    }
                )
            )
            for row in rows:
                writer.write(block({**row, "ActionID": action_id}))
            writer.write(
                block(
                    {
                        "Event": "QueueStatusComplete",
                        "ActionID": action_id,
                        "EventList": "Complete",
                        "ListItems": str(len(rows)),
                    }
                )
            )
            await writer.drain()
            return
        writer.write(
            block(
                {
                    "Response": "Success",
                    "ActionID": action.get("actionid", ""),
                    "Ping": "Pong",
                }
            )
        )
        await writer.drain()


@contextmanager
def in_thread(ami: FakeAmi) -> Iterator[int]:
    """Run ``ami`` on its own event loop in a thread (for a command that runs its own loop);
    yield its port."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    # started on the thread's loop: the main thread may hold a running loop (Playwright's)
    port = asyncio.run_coroutine_threadsafe(ami.start(), loop).result(5)
    try:
        yield port
    finally:
        asyncio.run_coroutine_threadsafe(ami.stop(), loop).result(5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.close()
