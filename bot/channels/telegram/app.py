"""Build and run the PTB Application: long polling by default, PTB's webhook server if asked."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

from telegram import BotCommand
from telegram.error import InvalidToken, NetworkError, TelegramError
from telegram.ext import ApplicationBuilder, BaseRateLimiter

from bot.audit_service import AuditService
from bot.channels.registry import ChannelStartError, Wake
from bot.channels.telegram.admin import set_admin_menus
from bot.channels.telegram.handlers import TelegramApp, TelegramChannel
from bot.channels.telegram.ordering import ChatOrderedProcessor, RawUpdates, RawUpdatesRequest
from bot.channels.telegram.profile import update_profile
from bot.channels.telegram.rate_limiter import RetryingRateLimiter
from bot.clock import Clock, system_clock
from bot.config import Settings
from bot.log_masking import install_token_filter, mask, mask_secret
from bot.submission_notices import SubmissionNotices
from bot.texts import texts
from storage import Database

log = logging.getLogger(__name__)

COMMANDS = ("start", "review", "submit", "status", "help", "pause")


class BotStartError(ChannelStartError):
    """The bot cannot start (token rejected, server unreachable); the message says why."""


def start_error(settings: Settings, exc: InvalidToken | NetworkError) -> BotStartError:
    """What to tell the officer when the Bot API refuses the token or cannot be reached."""
    url = settings.telegram.api_url
    if isinstance(exc, InvalidToken):
        return BotStartError(texts().string("telegram.cli.token_rejected", url=url))
    problem = texts().string("telegram.cli.unreachable", url=url, problem=str(exc))
    return BotStartError(mask(problem))


def api_urls(settings: Settings) -> tuple[str, str]:
    """Base URLs such that requests go to {TELEGRAM_API_URL}/bot{token}/{method}."""
    api = settings.telegram.api_url.rstrip("/")
    return f"{api}/bot", f"{api}/file/bot"


def webhook_secret(token: str) -> str:
    """What Telegram sends with every webhook call; derived from the token, so nothing more
    to configure, and masked in the log like the token."""
    return hashlib.sha256(token.encode()).hexdigest()[:32]


def build_application(
    settings: Settings,
    db: Database,
    *,
    clock: Clock = system_clock,
    rate_limiter: BaseRateLimiter[Any] | None = None,
    wake: Wake = lambda: None,
) -> TelegramApp:
    """The bot; `wake` asks the process's outbox worker to send what admins just queued."""
    token = settings.telegram.require_token()
    install_token_filter(token)
    mask_secret(webhook_secret(token))
    base_url, base_file_url = api_urls(settings)
    limiter: BaseRateLimiter[Any] = rate_limiter or RetryingRateLimiter()
    raw = RawUpdates()  # the inbox keeps updates as they arrived
    app: TelegramApp = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .base_file_url(base_file_url)
        .rate_limiter(limiter)
        .get_updates_request(RawUpdatesRequest(raw))
        .concurrent_updates(ChatOrderedProcessor(db, clock, raw=raw))
        .build()
    )
    service = AuditService(db, clock, SubmissionNotices.from_settings(settings, wake))
    channel = TelegramChannel(db, service, clock, settings, wake)
    channel.admin.queries.register(app)  # before the contacts' handlers: it sees its own first
    channel.register(app)
    return app


async def start(
    app: TelegramApp,
    settings: Settings,
    *,
    poll_timeout: float = 10,
) -> None:
    """Initialise (getMe checks the token), then receive updates."""
    try:
        await app.initialize()
    except (InvalidToken, NetworkError) as exc:
        raise start_error(settings, exc) from None
    try:
        await app.bot.set_my_commands(
            [BotCommand(name, texts().string(f"telegram.commands.{name}")) for name in COMMANDS]
        )
        await set_admin_menus(app.bot, settings, COMMANDS)
    except TelegramError as exc:  # the menu is a convenience; the bot works without it
        log.warning("could not set the command menu: %s", exc)
    try:
        await update_profile(app.bot, settings)
    except TelegramError as exc:  # so is the description
        log.warning("could not set the bot's description: %s", exc)
    processor = app.update_processor
    if isinstance(processor, ChatOrderedProcessor):  # before anything new: keeps the order
        for update in await processor.unhandled(app.bot):
            await app.update_queue.put(update)
    updater = app.updater
    assert updater is not None
    if settings.telegram.webhook_url:
        token = settings.telegram.require_token()
        await updater.start_webhook(
            listen="0.0.0.0",  # noqa: S104 - PTB's webhook server sits behind the proxy
            port=settings.telegram.webhook_port,
            url_path=urlparse(settings.telegram.webhook_url).path.lstrip("/"),
            webhook_url=settings.telegram.webhook_url,
            secret_token=webhook_secret(token),
        )
    else:
        await updater.start_polling(poll_interval=0, timeout=timedelta(seconds=poll_timeout))
    await app.start()
    log.info("bot @%s is running", app.bot.username)


async def stop(app: TelegramApp) -> None:
    """Stop receiving, let running handlers finish, and close the HTTP clients."""
    if app.updater is not None and app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    await app.shutdown()


__all__ = [
    "BotStartError",
    "TelegramApp",
    "build_application",
    "start",
    "start_error",
    "stop",
]
