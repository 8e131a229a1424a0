"""Settings as the LA writes them: recipients by channel, and the older variables too."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Recipient, load_settings


def test_la_recipients_and_admins_are_channel_addresses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LA_RECIPIENTS", "telegram:123, email:Audit@LA.example,")
    monkeypatch.setenv("ADMINS", "telegram:456")
    settings = load_settings()
    assert settings.la_recipients == (
        Recipient("telegram", "123"),
        Recipient("email", "Audit@LA.example"),
    )
    assert settings.is_admin("telegram", "456")
    assert not settings.is_admin("telegram", "123")


def test_the_older_telegram_variables_still_count(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LA_RECIPIENTS", "telegram:-100200")
    monkeypatch.setenv("LA_CHAT_IDS", "-100200,77")
    monkeypatch.setenv("ADMIN_TELEGRAM_IDS", "456")
    settings = load_settings()
    assert settings.la_recipients == (Recipient("telegram", "-100200"), Recipient("telegram", "77"))
    assert settings.admins == (Recipient("telegram", "456"),)


@pytest.mark.parametrize("value", ["123", "sms:123", "telegram:", "telegram:12ab", "telegram:٣"])
def test_a_bad_recipient_is_one_sentence_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("LA_RECIPIENTS", value)
    expected = r"^Setting LA_RECIPIENTS is invalid: .*(should be|whole)"
    with pytest.raises(ConfigError, match=expected):
        load_settings()


def test_each_channel_reads_its_own_section(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMAIL", "someone@home.example")  # a common shell variable: not ours
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123:abc")
    monkeypatch.setenv("EMAIL_FROM", "audit@la.example")
    monkeypatch.setenv("EMAIL_SMTP_HOST", "smtp.la.example")
    settings = load_settings()
    assert settings.telegram.complete
    assert settings.email.sending and not settings.email.receiving
    assert settings.email.smtp_port_or_default == 587
    monkeypatch.setenv("EMAIL_IMAP_HOST", "imap.la.example")
    monkeypatch.setenv("EMAIL_IMAP_USERNAME", "audit")
    monkeypatch.setenv("EMAIL_IMAP_PASSWORD", "secret")
    assert not load_settings().email.receiving  # no reply secret yet
    monkeypatch.setenv("EMAIL_REPLY_SECRET", "a-long-random-string")
    assert load_settings().email.receiving


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("EMAIL_FROM", "not-an-address", "EMAIL_FROM"),
        ("EMAIL_SMTP_PORT", "0", "EMAIL_SMTP_PORT"),
        ("EMAIL_SMTP_SECURITY", "ssl3", "EMAIL_SMTP_SECURITY"),
        ("TELEGRAM_WEBHOOK_PORT", "99999", "TELEGRAM_WEBHOOK_PORT"),
    ],
)
def test_a_bad_section_setting_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=rf"^Setting {expected} is invalid: "):
        load_settings()
