"""The bot's IMAP mailbox: reads replies and files them away, over aioimaplib.

aioimaplib has no STARTTLS, so this upgrades the connection itself with asyncio's
`start_tls`. Every failure is a `MailboxError` whose message is one sentence naming the
setting to check; after one, the caller leaves the context and enters a new one.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import re
import ssl
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from types import EllipsisType, TracebackType
from typing import Any, Self, TypeVar

import aioimaplib  # type: ignore[import-untyped]

from bot.config import EmailSettings
from bot.texts import texts

TIMEOUT = 30.0
"""Seconds a command may take before the connection counts as lost."""
CHECK_TIMEOUT = 15.0
IDLE_LIMIT = 25 * 60.0
"""Servers drop an IDLE after 30 minutes (RFC 2177), so one wait never idles longer."""
FETCH_BATCH = 20

_T = TypeVar("_T")
# aioimaplib's DEBUG and INFO lines carry whole messages, and its password scrubbing misses
# a password that needs quoting: keep them out of the bot's log at any AUDITBOT_LOG_LEVEL.
logging.getLogger("aioimaplib").setLevel(logging.WARNING)
_UID = re.compile(rb"UID (\d+)")
_FETCH_START = re.compile(rb"\d+ FETCH \(")
_MESSAGES = re.compile(rb"MESSAGES (\d+)")
_NEW_MAIL = (b"EXISTS", b"RECENT")


class MailboxError(RuntimeError):
    """Reading the mailbox failed. The message is one sentence for the LA officer;
    `problem` is the kind (a key of templates/email/imap_problem.txt.j2) and `detail` the
    server's or the library's own words, for the log."""

    def __init__(self, problem: str, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Fetched:
    """One message as the server stores it; `uid` is valid for this connection."""

    uid: str
    raw: bytes


class Mailbox:
    """`async with Mailbox(settings) as box:` logs in, makes sure the done and attention
    folders exist and selects the folder replies arrive in."""

    def __init__(self, settings: EmailSettings, *, timeout: float = TIMEOUT) -> None:
        self.settings = settings
        self.timeout = timeout
        self._imap: Any = None
        self._lost = asyncio.Event()
        self._broken = False
        self._known: set[int] = set()
        """UIDs the caller has seen (from fetch_new) and not moved away."""

    @property
    def host(self) -> str:
        return self.settings.imap_host or ""

    @property
    def port(self) -> int:
        return self.settings.imap_port_or_default

    async def __aenter__(self) -> Self:
        try:
            await self._open()
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._close()

    def supports(self, capability: str) -> bool:
        """Whether the server announced `capability` (after login)."""
        imap = self._connection()
        return capability.upper() in {c.upper() for c in imap.protocol.capabilities}

    async def fetch_new(self) -> list[Fetched]:
        """Every message in the folder, oldest first, without marking any as read."""
        imap = self._connection()
        uids = await self._uids()
        self._known = set(uids)
        messages: list[Fetched] = []
        for start in range(0, len(uids), FETCH_BATCH):
            batch = ",".join(str(uid) for uid in uids[start : start + FETCH_BATCH])
            # No deadline of our own: aioimaplib times out a fetch that stops receiving data.
            response = await self._io(imap.uid("FETCH", batch, "(UID BODY.PEEK[])"), limit=None)
            self._require_ok(response, "folder", self.settings.imap_folder)
            bodies = _parse_fetch(response.lines)
            messages.extend(Fetched(str(uid), bodies[uid]) for uid in uids if uid in bodies)
        messages.sort(key=lambda message: int(message.uid))
        return messages

    async def move(self, uid: str, folder: str) -> None:
        """Moves one message out of the folder replies arrive in (MOVE when the server has
        it, else copy, mark deleted and expunge)."""
        imap = self._connection()
        name = _mailbox_name(folder)
        if self.supports("MOVE"):
            self._require_ok(await self._io(imap.uid("MOVE", uid, name)), "move", folder)
            self._known.discard(int(uid))
            return
        self._require_ok(await self._io(imap.uid("COPY", uid, name)), "move", folder)
        stored = await self._io(imap.uid("STORE", uid, "+FLAGS.SILENT", r"(\Deleted)"))
        self._require_ok(stored, "move", folder)
        if self.supports("UIDPLUS"):
            expunged = await self._io(imap.uid("EXPUNGE", uid))
        else:
            # Without UIDPLUS this also expunges anything else already marked deleted.
            expunged = await self._io(imap.expunge())
        self._require_ok(expunged, "move", folder)
        self._known.discard(int(uid))

    async def wait(self, timeout: float) -> None:  # noqa: ASYNC109 (IDLE needs the number)
        """Returns when new mail arrives (IMAP IDLE) or after `timeout` seconds; servers
        without IDLE just get the wait. Returns at once when mail came in since the last
        `fetch_new` (the server may have announced it already, and IDLE would not again)."""
        imap = self._connection()
        if not set(await self._uids()) <= self._known or timeout <= 0:
            return
        if not self.supports("IDLE"):
            await asyncio.sleep(timeout)
            return
        loop = asyncio.get_running_loop()
        limit = min(timeout, IDLE_LIMIT)
        deadline = loop.time() + limit
        idle = await self._io(imap.idle_start(timeout=limit))
        try:
            while (remaining := deadline - loop.time()) > 0:
                pushed = await self._next_push(imap, remaining)
                if pushed is None or pushed == aioimaplib.STOP_WAIT_SERVER_PUSH:
                    break
                if any(line.rstrip().endswith(_NEW_MAIL) for line in pushed if _is_line(line)):
                    break
        finally:
            await self._end_idle(imap, idle)

    async def count(self, folder: str) -> int:
        """How many messages `folder` holds."""
        imap = self._connection()
        response = await self._io(imap.status(_mailbox_name(folder), "(MESSAGES)"))
        self._require_ok(response, "folder", folder)
        for line in _text_lines(response):
            if match := _MESSAGES.search(line):
                return int(match.group(1))
        raise self._problem("lost", detail="STATUS answered without MESSAGES")

    async def _uids(self) -> list[int]:
        """The UIDs in the selected folder, in ascending order."""
        found = await self._io(self._connection().uid_search("ALL", charset=None))
        self._require_ok(found, "folder", self.settings.imap_folder)
        return sorted({int(u) for line in _text_lines(found) for u in line.split() if u.isdigit()})

    async def _open(self) -> None:
        settings = self.settings
        if not settings.imap_host:
            raise self._problem("unset")
        context = _tls_context(settings.tls_verify)
        self._lost = asyncio.Event()
        self._broken = False
        self._known = set()
        self._imap = aioimaplib.IMAP4(
            host=self.host,
            port=self.port,
            timeout=self.timeout,
            conn_lost_cb=self._connection_lost,
            ssl_context=context if settings.imap_security == "tls" else None,
        )
        await self._greeting()
        if settings.imap_security == "starttls":
            await self._starttls(context)
        await self._login()
        for folder in (settings.imap_done_folder, settings.imap_attention_folder):
            await self._ensure_folder(folder)
        selected = await self._io(self._imap.select(_mailbox_name(settings.imap_folder)))
        self._require_ok(selected, "folder", settings.imap_folder)

    async def _greeting(self) -> None:
        imap = self._imap
        try:
            await imap.wait_hello_from_server()
        except ssl.SSLCertVerificationError as exc:
            raise self._problem("certificate", detail=str(exc)) from None
        except ssl.SSLError as exc:
            raise self._problem("tls", detail=str(exc)) from None
        except TimeoutError:
            problem = "connect" if imap.protocol.transport is None else "greeting"
            raise self._problem(problem, detail="no answer in time") from None
        except OSError as exc:
            raise self._problem("connect", detail=str(exc)) from None
        except aioimaplib.AioImapException as exc:
            raise self._problem("greeting", detail=str(exc)) from None

    async def _starttls(self, context: ssl.SSLContext) -> None:
        protocol = self._imap.protocol
        if "STARTTLS" not in protocol.capabilities:
            raise self._problem("starttls")
        command = aioimaplib.Command("STARTTLS", protocol.new_tag(), loop=protocol.loop)
        response = await self._io(protocol.execute(command))
        if response.result != "OK":
            raise self._problem("starttls", detail=_detail(response))
        loop = asyncio.get_running_loop()
        try:
            protocol.transport = await asyncio.wait_for(
                loop.start_tls(protocol.transport, protocol, context, server_hostname=self.host),
                self.timeout,
            )
        except ssl.SSLCertVerificationError as exc:
            raise self._problem("certificate", detail=str(exc)) from None
        except (ssl.SSLError, OSError) as exc:
            raise self._problem("tls", detail=str(exc)) from None
        # What the server said before TLS no longer counts (RFC 3501 6.2.1).
        await self._io(protocol.capability())

    async def _login(self) -> None:
        settings = self.settings
        protocol = self._imap.protocol
        if "LOGINDISABLED" in protocol.capabilities:
            raise self._problem("login_disabled")
        password = settings.imap_password.get_secret_value() if settings.imap_password else ""
        try:
            response = await self._io(
                self._imap.login(aioimaplib.quoted(settings.imap_username or ""), password)
            )
        except ValueError:  # a line break in the username or password
            raise self._problem("login", detail="unusable characters") from None
        if response.result != "OK":
            raise self._problem("login", detail=_detail(response))
        # Servers announce more (MOVE, UIDPLUS, IDLE) once logged in.
        await self._io(protocol.capability())

    async def _ensure_folder(self, folder: str) -> None:
        imap = self._imap
        name = _mailbox_name(folder)
        listed = await self._io(imap.list('""', name))
        if listed.result == "OK" and any(line.startswith(b"(") for line in _text_lines(listed)):
            return
        created = await self._io(imap.create(name))
        if created.result != "OK" and b"ALREADYEXISTS" not in _last(created):
            raise self._problem("create", folder=folder, detail=_detail(created))
        # Mail programs often show only subscribed folders; the LA officer should see these.
        await self._io(imap.subscribe(name))

    async def _end_idle(self, imap: Any, idle: asyncio.Future[Any]) -> None:
        """Sends DONE and waits for the server to end the IDLE, dropping what it pushed."""
        if self._broken:
            idle.cancel()
            return
        try:
            if imap.has_pending_idle():
                imap.idle_done()
            await self._io(asyncio.shield(idle), limit=min(self.timeout, 5.0))
        finally:
            queue = imap.protocol.idle_queue
            while not queue.empty():
                queue.get_nowait()

    async def _next_push(self, imap: Any, limit: float) -> list[Any] | None:
        """What the server pushed during IDLE, or None when `limit` passes first."""
        if self._lost.is_set():
            raise self._problem("lost", detail="connection already closed")
        getter = asyncio.ensure_future(imap.protocol.idle_queue.get())
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            await asyncio.wait({getter, lost}, timeout=limit, return_when=asyncio.FIRST_COMPLETED)
        finally:
            lost.cancel()
            if not getter.done():
                getter.cancel()
        if getter.done() and not getter.cancelled():
            return list(getter.result())
        if self._lost.is_set():
            self._broken = True
            raise self._problem("lost", detail="lost while waiting for new mail")
        return None

    async def _io(
        self, operation: Awaitable[_T], *, limit: float | EllipsisType | None = ...
    ) -> _T:
        """Runs one exchange with the server: a dropped connection, a timeout or a library
        error ends this connection with a MailboxError. `limit` defaults to the timeout;
        None leaves it to aioimaplib's own timer (which restarts while data arrives)."""
        task = asyncio.ensure_future(operation)
        if self._broken or self._lost.is_set():
            task.cancel()
            raise self._problem("lost", detail="connection already closed")
        lost = asyncio.ensure_future(self._lost.wait())
        try:
            done, _ = await asyncio.wait(
                {task, lost},
                timeout=self.timeout if limit is ... else limit,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if task in done:
                return task.result()
        except (aioimaplib.AioImapException, OSError) as exc:  # OSError covers TimeoutError
            self._broken = True
            raise self._problem("lost", detail=str(exc) or type(exc).__name__) from None
        finally:
            lost.cancel()
            if not task.done():
                task.cancel()
        self._broken = True
        raise self._problem("lost", detail="lost" if self._lost.is_set() else "timed out")

    def _connection(self) -> Any:
        if self._imap is None:
            raise RuntimeError("use the mailbox inside `async with`")
        if self._broken or self._lost.is_set():
            raise self._problem("lost", detail="connection already closed")
        return self._imap

    def _connection_lost(self, exc: Exception | None) -> None:
        self._lost.set()

    def _require_ok(self, response: Any, problem: str, folder: str) -> None:
        if response.result != "OK":
            raise self._problem(problem, folder=folder, detail=_detail(response))

    def _problem(self, problem: str, *, folder: str = "", detail: str = "") -> MailboxError:
        message = texts().render(
            "email/imap_problem.txt.j2",
            problem=problem,
            host=self.host,
            port=self.port,
            folder=folder,
            setting=self._folder_setting(folder),
        )
        return MailboxError(problem, message, detail)

    def _folder_setting(self, folder: str) -> str:
        settings = self.settings
        if folder == settings.imap_done_folder:
            return "EMAIL_IMAP_DONE_FOLDER"
        if folder == settings.imap_attention_folder:
            return "EMAIL_IMAP_ATTENTION_FOLDER"
        return "EMAIL_IMAP_FOLDER"

    async def _close(self) -> None:
        imap, self._imap = self._imap, None
        if imap is None:
            return
        protocol = imap.protocol
        if not (self._broken or self._lost.is_set()) and protocol.state in ("AUTH", "SELECTED"):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(imap.logout(), min(self.timeout, 5.0))
        if imap._idle_waiter is not None:
            imap._idle_waiter.cancel()
        for task in (imap._client_task, *imap.tasks, *protocol.tasks):
            task.cancel()
        if protocol.transport is not None:
            protocol.transport.close()


async def check_imap(settings: EmailSettings) -> str | None:
    """None when the bot can log in and use its folders; otherwise the one-sentence problem."""
    try:
        async with Mailbox(settings, timeout=CHECK_TIMEOUT):
            return None
    except MailboxError as exc:
        return str(exc)


def _tls_context(verify: bool) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _mailbox_name(folder: str) -> str:
    """A folder name as an IMAP argument: modified UTF-7 (RFC 3501 5.1.3), quoted."""
    encoded: list[str] = []
    wide: list[str] = []

    def flush() -> None:
        if wide:
            data = base64.b64encode("".join(wide).encode("utf-16-be")).decode("ascii")
            encoded.append("&" + data.rstrip("=").replace("/", ",") + "-")
            wide.clear()

    for char in folder:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            encoded.append("&-" if char == "&" else char)
        else:
            wide.append(char)
    flush()
    return str(aioimaplib.quoted("".join(encoded)))


def _text_lines(response: Any) -> list[bytes]:
    """The untagged lines of a response (the last line is the tagged status text)."""
    lines: Sequence[Any] = response.lines[:-1]
    return [bytes(line) for line in lines if isinstance(line, bytes)]


def _is_line(line: Any) -> bool:
    return isinstance(line, bytes)


def _last(response: Any) -> bytes:
    return bytes(response.lines[-1]) if response.lines else b""


def _detail(response: Any) -> str:
    return f"{response.result} {_last(response).decode('utf-8', 'replace')}".strip()


def _parse_fetch(lines: Sequence[Any]) -> dict[int, bytes]:
    """UID -> message from a `UID FETCH (UID BODY.PEEK[])` response: each message is a
    `N FETCH (` line, the message as a literal (a bytearray) and the rest of its items,
    with UID before or after the literal."""
    bodies: dict[int, bytes] = {}
    uid: int | None = None
    body: bytes | None = None
    for line in lines:
        if isinstance(line, bytearray):
            body = bytes(line)
            continue
        if not isinstance(line, bytes):
            continue
        if _FETCH_START.match(line):
            if uid is not None and body is not None:
                bodies[uid] = body
            uid, body = None, None
        if match := _UID.search(line):
            uid = int(match.group(1))
    if uid is not None and body is not None:
        bodies[uid] = body
    return bodies
