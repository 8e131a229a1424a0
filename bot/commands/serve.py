"""`auditbot run`: the bot, with every channel that is set up, until Ctrl+C or SIGTERM."""

from __future__ import annotations

import typer

from bot.commands.common import UserError, configure_logging, database, run, settings


def register(app: typer.Typer) -> None:
    @app.command("run")
    def run_command() -> None:
        """Run the bot (every channel set up, reminders, LA summaries) until Ctrl+C or SIGTERM."""

        async def main() -> None:
            from bot.channels import registry
            from bot.channels.registry import ChannelStartError
            from bot.config import ConfigError
            from bot.log_masking import mask
            from bot.runner import run_until_stopped
            from bot.texts import texts

            config = settings()
            configure_logging(config.log_level)
            channels = registry.configured(config)
            if not channels:
                raise UserError(texts().string("cli.no_channel"))
            try:
                async with database(config) as db:
                    await run_until_stopped(config, db, channels)
            except (ConfigError, ChannelStartError) as exc:
                raise UserError(mask(str(exc))) from None

        run(main)
