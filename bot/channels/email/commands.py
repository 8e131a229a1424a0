"""`auditbot email check`: whether the email settings work, in one sentence per server."""

from __future__ import annotations

import typer

from bot.commands.common import UserError, out, run, settings


def _t(key: str, **context: object) -> str:
    from bot.texts import texts

    return texts().string(f"email.cli.{key}", **context)


async def check() -> list[str]:
    """One line per server; raises UserError (all lines) when something does not work."""
    from bot.channels.email.mailbox import check_imap
    from bot.channels.email.smtp import check_smtp

    email = settings().email
    if not email.sending:
        raise UserError(_t("not_set_up"))
    smtp = await check_smtp(email)
    lines = [smtp or _t("smtp_ok", host=email.smtp_host, sender=email.sender)]
    imap: str | None = None
    if email.receiving:
        imap = await check_imap(email)
        lines.append(imap or _t("imap_ok", host=email.imap_host, folder=email.imap_folder))
    else:
        lines.append(_t("imap_off"))
    if smtp or imap:
        raise UserError(" ".join(lines))
    return lines


def register(app: typer.Typer) -> None:
    email_app = typer.Typer(help="The email channel: check its settings.", rich_markup_mode=None)
    app.add_typer(email_app, name="email")

    @email_app.command("check")
    def check_command() -> None:
        """Connect to the SMTP and IMAP servers with the settings and say what works."""
        for line in run(check):
            out.print(line, markup=False)
