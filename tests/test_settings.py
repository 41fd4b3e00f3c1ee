from pathlib import Path

import pytest

from kernel.settings import SessionSettings, get_session_settings, get_settings


def test_defaults_live_under_data_of_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = get_settings({})
    assert s.home == tmp_path / "data"
    assert s.landing_dir == tmp_path / "data" / "landing"
    assert s.raw_dir == tmp_path / "data" / "lakehouse" / "raw"
    assert s.published_database == tmp_path / "data" / "published" / "crmlake.duckdb"
    assert s.operational_url == f"sqlite:///{tmp_path / 'data' / 'operational.sqlite'}"


def test_each_path_can_be_overridden(tmp_path):
    s = get_settings(
        {
            "CRMLAKE_HOME": str(tmp_path / "h"),
            "CRMLAKE_LANDING_DIR": str(tmp_path / "my-extracts"),
            "CRMLAKE_PUBLISHED_DIR": str(tmp_path / "pub"),
        }
    )
    assert s.landing_dir == tmp_path / "my-extracts"
    assert s.lakehouse_dir == tmp_path / "h" / "lakehouse"
    assert s.published_database == tmp_path / "pub" / "crmlake.duckdb"


def test_settings_round_trip_through_the_environment(tmp_path):
    s = get_settings({"CRMLAKE_HOME": str(tmp_path)})
    again = get_settings(s.as_env())
    assert again == s
    assert Path(s.as_env()["CRMLAKE_RAW_DIR"]) == s.raw_dir


def test_session_settings_defaults_and_overrides() -> None:
    assert get_session_settings({}) == SessionSettings(timeout_minutes=30, lifetime_hours=12, client_ip_header=None)
    custom = get_session_settings({
        "CRMLAKE_SESSION_TIMEOUT_MINUTES": "15",
        "CRMLAKE_SESSION_LIFETIME_HOURS": "720",
        "CRMLAKE_CLIENT_IP_HEADER": " X-Real-IP ",
    })
    assert custom == SessionSettings(timeout_minutes=15, lifetime_hours=720, client_ip_header="X-Real-IP")
    with pytest.raises(ValueError, match="CRMLAKE_SESSION_LIFETIME_HOURS must be between 1 and 720, got 721"):
        get_session_settings({"CRMLAKE_SESSION_LIFETIME_HOURS": "721"})
    with pytest.raises(ValueError, match="CRMLAKE_SESSION_TIMEOUT_MINUTES must be at least 1, got 0"):
        get_session_settings({"CRMLAKE_SESSION_TIMEOUT_MINUTES": "0"})
