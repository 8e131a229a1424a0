"""Settings from environment variables and an optional .env file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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


class Settings(BaseSettings):
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
    telegram_token: SecretStr | None = Field(None, alias="TELEGRAM_BOT_TOKEN")
    telegram_api_url: str = Field("https://api.telegram.org", alias="TELEGRAM_API_URL")
    telegram_webhook_url: str | None = Field(None, alias="TELEGRAM_WEBHOOK_URL")
    telegram_webhook_port: int = Field(8443, alias="TELEGRAM_WEBHOOK_PORT", ge=1, le=65535)
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

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone '{value}'") from None
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

    def require_token(self) -> str:
        if self.telegram_token is None or not self.telegram_token.get_secret_value().strip():
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: add the token BotFather gave you to the "
                "environment or to .env."
            )
        return self.telegram_token.get_secret_value().strip()


def _merged(listed: tuple[Recipient, ...], chat_ids: tuple[int, ...]) -> tuple[Recipient, ...]:
    found = [*listed, *(Recipient("telegram", str(chat)) for chat in chat_ids)]
    return tuple(dict.fromkeys(found))


def load_settings(**overrides: Any) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "a setting"
        field = Settings.model_fields.get(name)
        setting = field.alias if field and field.alias else name
        message = str(error["msg"]).removeprefix("Value error, ")
        raise ConfigError(f"Setting {setting} is invalid: {message}.") from None
