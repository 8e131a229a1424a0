"""The Telegram channel: the only package that knows python-telegram-bot."""

from bot.channels.telegram.plugin import CHANNEL

__all__ = ["CHANNEL"]
