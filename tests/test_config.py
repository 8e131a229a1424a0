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
