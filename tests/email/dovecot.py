"""A throwaway real Dovecot IMAP server on loopback, for the email channel's tests.

`dovecot_server` (module-scoped) starts `dovecot -F` with its own configuration, maildirs,
self-signed certificate, sockets and log in a temporary folder; `dovecot` (per test) adds a
fresh account to it, so tests never see each other's mail. As root (CI), Dovecot runs as its
own unprivileged `dovecot` user: it never gives mail access to root.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import aioimaplib
import pytest

from bot.config import EmailSettings, Security
from tests.conftest import free_port

HOST = "127.0.0.1"
INSTALL = (
    "Dovecot is needed for the email tests: install the Debian package dovecot-imapd "
    "(apt-get install dovecot-imapd); .ci/run installs it."
)
START_SECONDS = 15.0
STOP_SECONDS = 10.0
# What a server without MOVE, UIDPLUS and IDLE announces after login (the fallback paths).
BASIC_CAPABILITIES = "IMAP4rev1 LITERAL+ SASL-IR ID ENABLE NAMESPACE CHILDREN"


def dovecot_binary() -> str:
    found = shutil.which("dovecot") or shutil.which("dovecot", path="/usr/sbin:/usr/local/sbin")
    if not found:
        pytest.fail(INSTALL, pytrace=False)
    return found


def _version(binary: str) -> str:
    result = subprocess.run([binary, "--version"], capture_output=True, text=True, check=False)
    return result.stdout.strip().split(" ")[0]


@dataclass
class Account:
    """One mail account on the test server, and how to reach it."""

    host: str
    port: int
    tls_port: int
    user: str
    password: str

    def settings(self, security: Security = "none", **overrides: Any) -> EmailSettings:
        """EmailSettings for this account, reading nothing from the environment or .env."""
        values: dict[str, Any] = {
            "sender": "audit@la.example",
            "smtp_host": "smtp.invalid",
            "imap_host": self.host,
            "imap_port": self.tls_port if security == "tls" else self.port,
            "imap_security": security,
            "imap_username": self.user,
            "imap_password": self.password,
            "imap_folder": "INBOX",
            "imap_done_folder": "Audit answered",
            "imap_attention_folder": "Audit needs attention",
            "reply_secret": "test-secret",
            "tls_verify": False,
        }
        values.update(overrides)
        return EmailSettings(_env_file=None, **values)  # type: ignore[call-arg]

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[Any]:
        """A plain logged-in aioimaplib connection, for setting up and checking mail."""
        imap = aioimaplib.IMAP4(host=self.host, port=self.port, timeout=10)
        await imap.wait_hello_from_server()
        response = await imap.login(self.user, self.password)
        assert response.result == "OK", response
        try:
            yield imap
        finally:
            with contextlib.suppress(Exception):
                await imap.logout()
            if imap.protocol.transport is not None:
                imap.protocol.transport.close()

    async def append(self, raw: bytes, folder: str = "INBOX") -> None:
        """Delivers `raw` into `folder` (created if missing), unread."""
        async with self.session() as imap:
            await imap.create(aioimaplib.quoted(folder))
            response = await imap.append(raw, mailbox=aioimaplib.quoted(folder))
            assert response.result == "OK", response

    async def list_folder(self, folder: str = "INBOX") -> list[bytes]:
        """The messages in `folder`, oldest first ([] when it does not exist)."""
        return [raw for raw, _ in await self._fetch(folder)]

    async def flags(self, folder: str = "INBOX") -> list[str]:
        """Each message's flags in `folder`, oldest first (to check nothing marked them)."""
        return [flags for _, flags in await self._fetch(folder)]

    async def _fetch(self, folder: str) -> list[tuple[bytes, str]]:
        async with self.session() as imap:
            selected = await imap.select(aioimaplib.quoted(folder))
            if selected.result != "OK":
                return []
            response = await imap.fetch("1:*", "(FLAGS BODY.PEEK[])")
            found: list[tuple[bytes, str]] = []
            flags = ""
            for line in response.lines:
                if isinstance(line, bytearray):
                    found.append((bytes(line), flags))
                elif match := re.search(rb"FLAGS \(([^)]*)\)", line):
                    flags = match.group(1).decode()
            return found


@dataclass
class Dovecot:
    """A running Dovecot master process and its temporary folder."""

    root: Path
    process: subprocess.Popen[bytes]
    port: int
    tls_port: int
    uid: int
    gid: int
    host: str = HOST
    _numbers: Iterator[int] = field(default_factory=lambda: count(1))

    def add_account(self) -> Account:
        """A new user with an empty mailbox. Each user has a password file of its own:
        Dovecot notices a changed file at most once a second, but opens a new one at once."""
        user, password = f"user{next(self._numbers)}", secrets.token_urlsafe(12)
        path = self.root / "passwd" / user
        path.write_text(f"{user}:{{PLAIN}}{password}\n", "utf-8")
        if os.geteuid() == 0:
            os.chown(path, self.uid, self.gid)
        return Account(self.host, self.port, self.tls_port, user, password)

    def log(self) -> str:
        path = self.root / "dovecot.log"
        return path.read_text("utf-8", "replace") if path.exists() else ""

    def stop(self) -> None:
        """SIGTERM to the master, which stops its children; then SIGKILL to whatever of
        its process group is still there (its log process may outlive it briefly)."""
        if self.process.poll() is None:
            self.process.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_SECONDS)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(STOP_SECONDS)
        shutil.rmtree(self.root, ignore_errors=True)


def _config(root: Path, port: int, tls_port: int, user: str, uid: int, gid: int) -> str:
    group = _group_name(gid)
    return f"""\
# Throwaway test server (tests/email/dovecot.py); everything lives under {root}.
base_dir = {root}/run
state_dir = {root}/state
instance_name = auditbot-test-{root.name}
log_path = {root}/dovecot.log
protocols = imap
listen = {HOST}
shutdown_clients = yes
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = no
auth_failure_delay = 0
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd/%u
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = {HOST}
    port = {port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    # no growing delay after the tests' deliberate wrong passwords
    mode = 0
  }}
}}
service auth {{
  user = {user}
}}
service auth-worker {{
  user = {user}
}}
"""


def _group_name(gid: int) -> str:
    return grp.getgrgid(gid).gr_name


def _run_as() -> tuple[str, int, int]:
    """Root runs Dovecot as its `dovecot` user; anyone else as themselves."""
    if os.geteuid() == 0:
        try:
            entry = pwd.getpwnam("dovecot")
        except KeyError:
            pytest.fail(f"There is no 'dovecot' user. {INSTALL}", pytrace=False)
    else:
        entry = pwd.getpwuid(os.geteuid())
    return entry.pw_name, entry.pw_uid, entry.pw_gid


def _certificate(root: Path) -> None:
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", f"subjectAltName=DNS:localhost,IP:{HOST}",
            "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip


def _ready(server: Dovecot, deadline: float) -> bool:
    """True once the plain port greets with its capabilities (before that, Dovecot says it
    is waiting for its authentication process)."""
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            with socket.create_connection((HOST, server.port), timeout=1) as conn:
                conn.settimeout(2)
                greeting = b""
                while b"[CAPABILITY" not in greeting and len(greeting) < 4096:
                    chunk = conn.recv(1024)
                    if not chunk:
                        break
                    greeting += chunk
                if b"[CAPABILITY" in greeting:
                    socket.create_connection((HOST, server.tls_port), timeout=1).close()
                    return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def start_dovecot(capabilities: str | None = None) -> Dovecot:
    """A running server; `capabilities` replaces what it announces after login."""
    binary = dovecot_binary()
    version = _version(binary)
    if not version.startswith("2.3."):
        pytest.fail(
            f"tests/email/dovecot.py writes Dovecot 2.3 settings, but this machine has "
            f"Dovecot {version or '(unknown version)'}.",
            pytrace=False,
        )
    user, uid, gid = _run_as()
    last_log = ""
    for _ in range(3):  # another program may take a port between choosing and binding it
        root = Path(tempfile.mkdtemp(prefix="auditbot-dovecot-"))
        _certificate(root)
        for name in ("mail", "home", "run", "state", "passwd"):
            (root / name).mkdir()
        port, tls_port = free_port(), free_port()
        config = _config(root, port, tls_port, user, uid, gid)
        if capabilities is not None:
            config += f"protocol imap {{\n  imap_capability = {capabilities}\n}}\n"
        (root / "dovecot.conf").write_text(config, "utf-8")
        if os.geteuid() == 0:  # Dovecot runs as its own user and must own its files
            for path in (root, *root.rglob("*")):
                os.chown(path, uid, gid)
        as_root = os.geteuid() == 0
        with (root / "stdout.log").open("wb") as output:
            process = subprocess.Popen(
                [binary, "-F", "-c", str(root / "dovecot.conf")],
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so stop() can end it all
                user=uid if as_root else None,
                group=gid if as_root else None,
                extra_groups=[] if as_root else None,
            )
        server = Dovecot(root, process, port, tls_port, uid, gid)
        if _ready(server, time.monotonic() + START_SECONDS):
            return server
        last_log = server.log() + (root / "stdout.log").read_text("utf-8", "replace")
        server.stop()
        if "Address already in use" not in last_log:
            break
    pytest.fail(f"Dovecot did not start:\n{last_log[-3000:]}", pytrace=False)


@contextlib.contextmanager
def running_dovecot(capabilities: str | None = None) -> Iterator[Dovecot]:
    server = start_dovecot(capabilities)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[Dovecot]:
    """One real Dovecot for the test module (about a quarter of a second to start)."""
    with running_dovecot() as server:
        yield server


@pytest.fixture
def dovecot(dovecot_server: Dovecot) -> Account:
    """A fresh account on the module's Dovecot."""
    return dovecot_server.add_account()
