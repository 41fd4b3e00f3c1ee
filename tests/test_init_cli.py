"""`crmlake init`: neutral settings, the first admin with a password the user chose, never a default."""

from __future__ import annotations

import pytest

from kernel.config import BusinessSettings, load_business_settings
from kernel.settings import get_settings
from operational.users import admin_usernames
from tools.cli import main


@pytest.fixture
def home(tmp_path, monkeypatch):
    for key in ("CRMLAKE_CONFIG_DIR", "CRMLAKE_OPERATIONAL_URL", "CRMLAKE_ADMIN_PASSWORD", "CRMLAKE_LANDING_DIR"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    return tmp_path


def test_init_writes_neutral_settings_and_the_first_admin(home, monkeypatch, capsys):
    monkeypatch.setenv("CRMLAKE_ADMIN_PASSWORD", "chosen-by-the-company")
    assert main(["init"]) == 0
    settings = get_settings()
    business = load_business_settings(settings.config_dir)
    assert business == BusinessSettings()  # no demo people, no locked periods, no position plans
    assert business.commission.lock_through is None and not business.commission.position_plans
    assert not business.company.demo
    assert admin_usernames(settings.operational_url) == ["admin"]
    assert settings.landing_dir.is_dir()
    out = capsys.readouterr().out
    assert "crmlake check" in out and "chosen-by-the-company" not in out


def test_init_never_invents_a_password(home, capsys):
    assert main(["init"]) == 2  # no terminal to ask, no variable: no admin rather than a default
    assert "CRMLAKE_ADMIN_PASSWORD" in capsys.readouterr().err
    assert admin_usernames(get_settings().operational_url) == []


def test_init_refuses_a_weak_password_and_keeps_what_exists(home, monkeypatch, capsys):
    monkeypatch.setenv("CRMLAKE_ADMIN_PASSWORD", "short")
    assert main(["init"]) == 2
    assert "12" in capsys.readouterr().err
    settings = get_settings()
    (settings.config_dir / "partner.yml").write_text("registration_protection_days: 60\n", encoding="utf-8")
    monkeypatch.setenv("CRMLAKE_ADMIN_PASSWORD", "long-enough-password")
    assert main(["init"]) == 0
    assert main(["init"]) == 0  # again: the admin exists, nothing asked, the edited file kept
    assert load_business_settings(settings.config_dir).partner.registration_protection_days == 60
    assert admin_usernames(settings.operational_url) == ["admin"]
