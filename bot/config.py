"""Settings from environment variables and an optional .env file."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from bot.working_hours import WORKING_DAYS


class ConfigError(ValueError):
    """A setting is missing or invalid; the message names it."""


IdList = Annotated[tuple[int, ...], NoDecode]
CHANNELS = ("telegram", "email")


@dataclass(frozen=True, slots=True)
class Recipient:
    """Someone the bot writes to on its own: a channel and that channel's address."""

    channel: str
    address: str

    def __str__(self) -> str:
        return f"{self.channel}:{self.address}"


Recipients = Annotated[tuple[Recipient, ...], NoDecode]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


_FULL_DAYS = dict(
    zip(
        WEEKDAYS,
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
        strict=True,
    )
)


def _section(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix,
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        populate_by_name=True,
    )


class TelegramSettings(BaseSettings):
    """TELEGRAM_*: the Telegram channel runs when the token is set."""

    model_config = _section("TELEGRAM_")

    bot_token: SecretStr | None = None
    api_url: str = "https://api.telegram.org"
    webhook_url: str | None = None
    webhook_port: int = Field(8443, ge=1, le=65535)

    @property
    def complete(self) -> bool:
        return self.bot_token is not None and bool(self.bot_token.get_secret_value().strip())

    def require_token(self) -> str:
        if self.bot_token is None or not self.complete:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: add the token BotFather gave you to the "
                "environment or to .env."
            )
        return self.bot_token.get_secret_value().strip()


Security = Literal["tls", "starttls", "none"]


class EmailSettings(BaseSettings):
    """EMAIL_*: the email channel sends when SMTP and the From address are set, and reads
    replies when the IMAP settings and the reply secret are set too."""

    model_config = _section("EMAIL_")

    sender: str | None = Field(None, validation_alias="EMAIL_FROM")
    """The From address; replies come back to it (plus-addressed with a reply token)."""
    smtp_host: str | None = None
    smtp_port: int | None = Field(None, ge=1, le=65535)
    smtp_security: Security = "starttls"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    imap_host: str | None = None
    imap_port: int | None = Field(None, ge=1, le=65535)
    imap_security: Security = "tls"
    imap_username: str | None = None
    imap_password: SecretStr | None = None
    imap_folder: str = "INBOX"
    imap_done_folder: str = "Audit answered"
    """Where replies go once applied (so a restart never reads them again)."""
    imap_attention_folder: str = "Audit needs attention"
    """Where messages the bot could not take go, for a person to look at."""
    poll_seconds: int = Field(60, ge=5, le=3600)
    reply_secret: SecretStr | None = None
    """Signs the reply token each contact's emails carry; any long random string."""
    tls_verify: bool = True
    """Off only for a test server with a self-signed certificate."""

    @field_validator("sender")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @property
    def sending(self) -> bool:
        return bool(self.smtp_host and self.sender)

    @property
    def receiving(self) -> bool:
        return self.sending and bool(
            self.imap_host and self.imap_username and self.imap_password and self.reply_secret
        )

    @property
    def smtp_port_or_default(self) -> int:
        return self.smtp_port or {"tls": 465, "starttls": 587, "none": 25}[self.smtp_security]

    @property
    def imap_port_or_default(self) -> int:
        return self.imap_port or (993 if self.imap_security == "tls" else 143)


class _SkipSections(EnvSettingsSource):
    """Sections read their own prefixed variables: a stray EMAIL or TELEGRAM variable (EMAIL
    is common in shells) is not the section."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name in ("telegram", "email"):
            return None, field_name, False
        return super().get_field_value(field, field_name)


class _CoreEnv(_SkipSections):
    pass


class _CoreDotEnv(_SkipSections, DotEnvSettingsSource):
    pass


class Settings(BaseSettings):
    """Core settings, with one section per channel (each read from its own prefix)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    db: Path = Field(Path("auditbot.db"), alias="AUDITBOT_DB")
    db_allow_shared: bool = Field(False, alias="AUDITBOT_DB_ALLOW_SHARED")
    timezone: str = Field("Europe/London", alias="AUDITBOT_TIMEZONE")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", alias="AUDITBOT_LOG_LEVEL"
    )
    questionnaire: Path | None = Field(None, alias="AUDITBOT_QUESTIONNAIRE")
    telegram: TelegramSettings = Field(default_factory=TelegramSettings)
    email: EmailSettings = Field(default_factory=EmailSettings)
    invite_ttl_days: int = Field(14, alias="INVITE_TTL_DAYS", ge=1, le=365)
    la_recipient_list: Recipients = Field((), alias="LA_RECIPIENTS")
    admin_list: Recipients = Field((), alias="ADMINS")
    la_chat_ids: IdList = Field((), alias="LA_CHAT_IDS")
    """Before LA_RECIPIENTS: Telegram chats only (still read, as telegram:<id>)."""
    admin_telegram_ids: IdList = Field((), alias="ADMIN_TELEGRAM_IDS")
    reminder_days_before: Annotated[tuple[int, ...], NoDecode] = Field(
        (7, 3, 1), alias="REMINDER_DAYS_BEFORE"
    )
    inactivity_days: int = Field(5, alias="REMINDER_INACTIVITY_DAYS", ge=1)
    max_reminders_without_progress: int = Field(4, alias="REMINDER_MAX_WITHOUT_PROGRESS", ge=1)
    working_hours_start: time = Field(time(9), alias="WORKING_HOURS_START")
    working_hours_end: time = Field(time(17), alias="WORKING_HOURS_END")
    summary_weekly_day: str = Field("mon", alias="SUMMARY_WEEKLY_DAY")
    default_channel: Literal["telegram", "email"] = Field("telegram", alias="DEFAULT_CHANNEL")
    operator: str | None = Field(None, alias="AUDITBOT_OPERATOR")
    """Who runs the commands here, for the audit log (default: the system user)."""
    la_contact_name: str | None = Field(None, alias="AUDITBOT_LA_CONTACT_NAME", max_length=80)
    """Whom at the LA people may ask about the audit (welcome, /help, invitations)."""
    la_contact_email: str | None = Field(None, alias="AUDITBOT_LA_CONTACT_EMAIL", max_length=120)
    privacy_note: str | None = Field(None, alias="AUDITBOT_PRIVACY_NOTE", max_length=400)
    """Why the LA runs the audit and who sees the answers; the built-in text when unset."""
    retention_closed_rounds_days: int = Field(
        730, alias="RETENTION_CLOSED_ROUNDS_DAYS", ge=1, le=3650
    )
    """A closed round, with its answers, history and messages, is deleted this long after
    it closed."""
    retention_processed_updates_days: int = Field(
        30, alias="RETENTION_PROCESSED_UPDATES_DAYS", ge=2, le=365
    )
    """Ids of updates and replies already handled (Telegram redelivers for a day)."""
    retention_failed_invite_attempts_hours: int = Field(
        1, alias="RETENTION_FAILED_INVITE_ATTEMPTS_HOURS", ge=1, le=24 * 90
    )
    """Accounts that tried a bad invite link; at least the one-hour rate-limit window."""
    retention_spent_invites_days: int = Field(
        30, alias="RETENTION_SPENT_INVITES_DAYS", ge=1, le=365
    )
    """Invites used, or expired unused."""
    retention_delivered_messages_days: int = Field(
        30, alias="RETENTION_DELIVERED_MESSAGES_DAYS", ge=1, le=365
    )
    """The content of messages sent (or given up on)."""
    retention_logs_days: int = Field(730, alias="RETENTION_LOGS_DAYS", ge=30, le=3650)
    """The audit log of who did what."""
    retention_backups_days: int = Field(30, alias="RETENTION_BACKUPS_DAYS", ge=1, le=3650)
    """Backups `auditbot backup DIRECTORY` made there before."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, _CoreEnv(settings_cls), _CoreDotEnv(settings_cls)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'") from None
        return value

    @field_validator("la_contact_name", "la_contact_email", "privacy_note", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: Any) -> Any:
        """An empty setting means the default; text is kept on one line."""
        if isinstance(value, str):
            return " ".join(value.split()) or None
        return value

    @field_validator("la_contact_email")
    @classmethod
    def _contact_address(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+", value):
            raise ValueError(f"'{value}' is not an email address")
        return value

    @field_validator("la_chat_ids", "admin_telegram_ids", "reminder_days_before", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            try:
                return tuple(int(part) for part in value.replace(" ", "").split(",") if part)
            except ValueError:
                raise ValueError("use whole numbers separated by commas") from None
        return value

    @field_validator("la_recipient_list", "admin_list", mode="before")
    @classmethod
    def _recipients(cls, value: Any) -> Any:
        """ "telegram:123, email:audit@la.example" -> recipients."""
        if not isinstance(value, str):
            return value
        found = []
        for part in (p.strip() for p in value.split(",")):
            if not part:
                continue
            channel, _, address = part.partition(":")
            channel, address = channel.strip().lower(), address.strip()
            if channel not in CHANNELS or not address:
                raise ValueError(
                    f"'{part}' should be telegram:CHAT_ID or email:ADDRESS, for example "
                    "telegram:123456789 or email:audit@la.example"
                )
            digits = address.removeprefix("-")
            if channel == "telegram" and not (digits.isascii() and digits.isdigit()):
                raise ValueError(f"'{part}': a Telegram chat id is a whole number")
            found.append(Recipient(channel, address))
        return tuple(found)

    @property
    def la_recipients(self) -> tuple[Recipient, ...]:
        """Who gets the LA summary and flags: LA_RECIPIENTS, and LA_CHAT_IDS as telegram."""
        return _merged(self.la_recipient_list, self.la_chat_ids)

    @property
    def admins(self) -> tuple[Recipient, ...]:
        """Who may use the admin commands: ADMINS, and ADMIN_TELEGRAM_IDS as telegram."""
        return _merged(self.admin_list, self.admin_telegram_ids)

    def is_admin(self, channel: str, account: str) -> bool:
        return Recipient(channel, account) in self.admins

    @field_validator("summary_weekly_day", mode="before")
    @classmethod
    def _weekday(cls, value: Any) -> Any:
        """ "mon".."sun" (or a full day name, any case); empty turns the weekly digest off."""
        if value is None:
            return ""
        if isinstance(value, str):
            day = value.strip().lower()
            if day in ("", "off", "none"):
                return ""
            if day[:3] in WEEKDAYS and day in (day[:3], _FULL_DAYS[day[:3]]):
                if WEEKDAYS.index(day[:3]) >= WORKING_DAYS:
                    raise ValueError("the digest goes out on working days only: use mon to fri")
                return day[:3]
            raise ValueError("use a day such as mon, tue ... fri, or leave it empty to turn it off")
        return value

    @property
    def summary_weekday(self) -> int | None:
        """The weekly LA digest's day (Monday is 0), or None when the digest is off."""
        day = self.summary_weekly_day
        return WEEKDAYS.index(day) if day in WEEKDAYS else None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def _merged(listed: tuple[Recipient, ...], chat_ids: tuple[int, ...]) -> tuple[Recipient, ...]:
    found = [*listed, *(Recipient("telegram", str(chat)) for chat in chat_ids)]
    return tuple(dict.fromkeys(found))


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = str(error["msg"]).removeprefix("Value error, ")
        setting = _setting_name(exc.title, error["loc"])
        raise ConfigError(f"Setting {setting} is invalid: {message}.") from None


_MODELS: dict[str, type[BaseSettings]] = {
    model.__name__: model for model in (Settings, TelegramSettings, EmailSettings)
}


def _setting_name(model_name: str, loc: tuple[int | str, ...]) -> str:
    """The environment variable behind a validation error (a section's errors come from
    building that section)."""
    model = _MODELS.get(model_name, Settings)
    name = str(loc[0]) if loc else ""
    field = model.model_fields.get(name)
    if field is None:
        return name or "a setting"
    alias = field.validation_alias or field.alias
    if isinstance(alias, str):
        return alias
    return f"{model.model_config.get('env_prefix', '')}{name}".upper()
