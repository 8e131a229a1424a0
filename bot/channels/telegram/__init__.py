"""The Telegram channel: the only package that knows python-telegram-bot."""
