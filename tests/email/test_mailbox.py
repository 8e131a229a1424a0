"""The IMAP mailbox against a real Dovecot on loopback."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from bot.channels.email.mailbox import Fetched, Mailbox, MailboxError, check_imap
from tests.conftest import free_port
from tests.email import dovecot as helper
from tests.email.dovecot import BASIC_CAPABILITIES, Account, Dovecot, running_dovecot

dovecot_server = helper.dovecot_server
dovecot = helper.dovecot

DONE = "Audit answered"
ATTENTION = "Audit needs attention"


def message(number: int, subject: str = "Re: Audit") -> bytes:
    return (
        f"From: Lead {number} <lead{number}@school.example>\r\n"
        f"To: audit+token@la.example\r\n"
        f"Subject: {subject} {number}\r\n"
        f"Message-ID: <m{number}@school.example>\r\n"
        "\r\n"
        f"Answer number {number}\r\n"
    ).encode()


@pytest.fixture(scope="module")
def basic_server() -> Iterator[Dovecot]:
    """A Dovecot that announces no MOVE, UIDPLUS or IDLE (the fallback paths)."""
    with running_dovecot(BASIC_CAPABILITIES) as server:
        yield server


async def test_fetch_new_returns_every_message_oldest_first_and_leaves_them_unread(
    dovecot: Account,
) -> None:
    for number in (1, 2, 3):
        await dovecot.append(message(number))
    async with Mailbox(dovecot.settings()) as box:
        fetched = await box.fetch_new()
        assert [item.raw for item in fetched] == [message(1), message(2), message(3)]
        assert [int(item.uid) for item in fetched] == sorted(int(item.uid) for item in fetched)
        assert await box.fetch_new() == fetched  # still there: nothing moved or deleted
    assert await dovecot.flags() == ["", "", ""]  # not \Seen


async def test_an_empty_folder_fetches_nothing(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        assert await box.fetch_new() == []


async def test_many_messages_come_in_batches(dovecot: Account) -> None:
    for number in range(25):
        await dovecot.append(message(number))
    async with Mailbox(dovecot.settings()) as box:
        fetched = await box.fetch_new()
    assert [item.raw for item in fetched] == [message(number) for number in range(25)]


async def test_entering_creates_the_done_and_attention_folders(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        assert await box.count(DONE) == 0
        assert await box.count(ATTENTION) == 0
    async with Mailbox(dovecot.settings()) as box:  # a second time finds them
        assert await box.count("INBOX") == 0


async def test_move_files_a_message_in_the_done_folder(dovecot: Account) -> None:
    await dovecot.append(message(1))
    await dovecot.append(message(2))
    async with Mailbox(dovecot.settings()) as box:
        assert box.supports("MOVE")
        first, second = await box.fetch_new()
        await box.move(first.uid, DONE)
        await box.move(second.uid, ATTENTION)
        assert await box.fetch_new() == []
        assert (await box.count(DONE), await box.count(ATTENTION)) == (1, 1)
    assert await dovecot.list_folder(DONE) == [message(1)]
    assert await dovecot.list_folder(ATTENTION) == [message(2)]
    assert await dovecot.list_folder("INBOX") == []


async def test_folder_names_with_non_ascii_and_ampersand(dovecot: Account) -> None:
    settings = dovecot.settings(imap_done_folder="Réponses & audit ✓")
    await dovecot.append(message(1))
    async with Mailbox(settings) as box:
        (fetched,) = await box.fetch_new()
        await box.move(fetched.uid, "Réponses & audit ✓")
        assert await box.count("Réponses & audit ✓") == 1


async def test_without_move_it_copies_deletes_and_expunges(basic_server: Dovecot) -> None:
    account = basic_server.add_account()
    for number in (1, 2, 3):
        await account.append(message(number))
    async with Mailbox(account.settings()) as box:
        assert not box.supports("MOVE")
        assert not box.supports("UIDPLUS")
        _, second, _ = await box.fetch_new()
        await box.move(second.uid, DONE)
        assert [item.raw for item in await box.fetch_new()] == [message(1), message(3)]
    assert await account.list_folder(DONE) == [message(2)]
    assert await account.list_folder("INBOX") == [message(1), message(3)]


async def test_idle_wakes_when_mail_arrives(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        assert box.supports("IDLE")
        started = time.monotonic()
        waiting = asyncio.create_task(box.wait(30))
        await asyncio.sleep(0.3)
        await dovecot.append(message(1))
        await asyncio.wait_for(waiting, 10)
        assert time.monotonic() - started < 10
        # The connection is usable after IDLE, and waits again.
        assert [item.raw for item in await box.fetch_new()] == [message(1)]
        started = time.monotonic()
        await box.wait(0.5)
        assert 0.4 < time.monotonic() - started < 5


async def test_mail_that_arrived_before_the_wait_ends_it_at_once(dovecot: Account) -> None:
    await dovecot.append(message(1))
    async with Mailbox(dovecot.settings()) as box:
        (first,) = await box.fetch_new()
        await dovecot.append(message(2))
        await box.count("INBOX")  # the server announces the new message here, not in IDLE
        started = time.monotonic()
        await box.wait(30)
        assert time.monotonic() - started < 5
        await box.move(first.uid, DONE)
        assert [item.raw for item in await box.fetch_new()] == [message(2)]


async def test_messages_left_in_the_folder_do_not_end_the_wait(dovecot: Account) -> None:
    await dovecot.append(message(1))
    async with Mailbox(dovecot.settings()) as box:
        await box.fetch_new()  # seen, but left where it is
        started = time.monotonic()
        await box.wait(0.5)
        assert time.monotonic() - started >= 0.45


async def test_idle_returns_after_the_timeout_without_mail(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        started = time.monotonic()
        await box.wait(0.5)
        assert 0.4 < time.monotonic() - started < 5
        assert await box.fetch_new() == []


async def test_without_idle_wait_sleeps(basic_server: Dovecot) -> None:
    account = basic_server.add_account()
    async with Mailbox(account.settings()) as box:
        assert not box.supports("IDLE")
        started = time.monotonic()
        await box.wait(0.3)
        assert time.monotonic() - started >= 0.3


async def test_cancelling_a_wait_leaves_a_clean_exit(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        waiting = asyncio.create_task(box.wait(30))
        await asyncio.sleep(0.2)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting


@pytest.mark.parametrize("security", ["none", "starttls", "tls"])
async def test_each_kind_of_connection_reads_mail(dovecot: Account, security: str) -> None:
    await dovecot.append(message(1))
    async with Mailbox(dovecot.settings(security)) as box:  # type: ignore[arg-type]
        assert [item.raw for item in await box.fetch_new()] == [message(1)]
    assert await check_imap(dovecot.settings(security)) is None  # type: ignore[arg-type]


@pytest.mark.parametrize("security", ["starttls", "tls"])
async def test_a_self_signed_certificate_is_refused_when_verifying(
    dovecot: Account, security: str
) -> None:
    with pytest.raises(MailboxError) as caught:
        async with Mailbox(dovecot.settings(security, tls_verify=True)):  # type: ignore[arg-type]
            pass
    assert caught.value.problem == "certificate"
    assert "EMAIL_IMAP_HOST" in str(caught.value)
    assert "EMAIL_TLS_VERIFY" in str(caught.value)


async def test_wrong_password_names_username_and_password(dovecot: Account) -> None:
    settings = dovecot.settings(imap_password="not-the-password")
    with pytest.raises(MailboxError) as caught:
        async with Mailbox(settings):
            pass
    text = str(caught.value)
    assert caught.value.problem == "login"
    assert "EMAIL_IMAP_USERNAME" in text and "EMAIL_IMAP_PASSWORD" in text
    assert "not-the-password" not in text and dovecot.password not in text
    assert text.endswith(".") and ". " not in text and "\n" not in text  # one sentence
    assert await check_imap(settings) == text


async def test_unreachable_port_names_host_and_port(dovecot: Account) -> None:
    settings = dovecot.settings(imap_port=free_port())
    with pytest.raises(MailboxError) as caught:
        async with Mailbox(settings):
            pass
    assert caught.value.problem == "connect"
    assert "EMAIL_IMAP_HOST" in str(caught.value) and "EMAIL_IMAP_PORT" in str(caught.value)
    assert dovecot.password not in str(caught.value)


async def test_plain_connection_to_the_tls_port_names_port_and_security(
    dovecot: Account,
) -> None:
    settings = dovecot.settings("none", imap_port=dovecot.tls_port)
    with pytest.raises(MailboxError) as caught:
        async with Mailbox(settings, timeout=1):
            pass
    assert caught.value.problem == "greeting"
    assert "EMAIL_IMAP_PORT" in str(caught.value)
    assert "EMAIL_IMAP_SECURITY" in str(caught.value)


async def test_tls_to_the_plain_port_names_security_and_port(dovecot: Account) -> None:
    settings = dovecot.settings("tls", imap_port=dovecot.port)
    with pytest.raises(MailboxError) as caught:
        async with Mailbox(settings, timeout=2):
            pass
    assert caught.value.problem in ("tls", "greeting")
    assert "EMAIL_IMAP_SECURITY" in str(caught.value)


async def test_a_missing_folder_names_the_folder_setting(dovecot: Account) -> None:
    message_text = await check_imap(dovecot.settings(imap_folder="No such folder"))
    assert message_text is not None
    assert "EMAIL_IMAP_FOLDER" in message_text and "No such folder" in message_text


async def test_count_of_a_missing_folder_is_a_mailbox_error(dovecot: Account) -> None:
    async with Mailbox(dovecot.settings()) as box:
        with pytest.raises(MailboxError) as caught:
            await box.count("Not there")
    assert "EMAIL_IMAP_FOLDER" in str(caught.value)


async def test_a_server_that_goes_away_is_a_mailbox_error_and_reentry_works() -> None:
    with running_dovecot() as server:
        account = server.add_account()
        settings = account.settings()
        box = Mailbox(settings, timeout=5)
        async with box:
            server.stop()
            with pytest.raises(MailboxError) as caught:
                await box.wait(10)
            assert caught.value.problem == "lost"
            with pytest.raises(MailboxError):
                await box.fetch_new()
    with pytest.raises(MailboxError) as caught:
        async with box:
            pass
    assert caught.value.problem == "connect"


async def test_re_entering_after_leaving_reconnects(dovecot: Account) -> None:
    box = Mailbox(dovecot.settings())
    async with box:
        assert await box.fetch_new() == []
    await dovecot.append(message(1))
    async with box:
        assert [item.raw for item in await box.fetch_new()] == [message(1)]


async def test_unset_host_is_a_mailbox_error(dovecot: Account) -> None:
    assert "EMAIL_IMAP_HOST" in (await check_imap(dovecot.settings(imap_host=None)) or "")


def test_fetched_is_a_value() -> None:
    assert Fetched("1", b"x") == Fetched("1", b"x")
