"""The email channel: invitations, reminders and LA summaries by SMTP, and answering the
audit by replying (read over IMAP)."""

from bot.channels.email.plugin import CHANNEL

__all__ = ["CHANNEL"]
