"""Real logins (issue 13 item 5): `crmlake users`, the first admin, and demo logins only for demo data,
each seeded at most once (a deleted, disabled or re-roled demo login stays so)."""

from __future__ import annotations

import json
import os
from types import SimpleNamespace

import duckdb
import pytest
import sqlalchemy as sa
import store_fixtures
from store_fixtures import MGR_A, REP1, make_reference

from operational import auth, users
from operational.db import dispose_all, session_scope
from operational.demo_users import DEMO_PASSWORD, seed_demo_users
from operational.errors import AuthenticationError, ValidationError
from operational.models import AppUser, AuditLog
from tools import cli

store_url = store_fixtures.store_url
GOOD = "a long enough password"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh CRMLAKE_HOME (store, settings folder, published snapshot) for CLI calls in this process."""
    before = dict(os.environ)
    for key in [k for k in os.environ if k.startswith("CRMLAKE_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("CRMLAKE_HOME", str(tmp_path))
    yield tmp_path
    dispose_all()
    os.environ.clear()  # cli.main exports the settings into os.environ: put it back as it was
    os.environ.update(before)


def crmlake(*args: str, password: str | None = None) -> int:
    if password is not None:
        os.environ["TEST_PW"] = password
        args = (*args, "--password-env", "TEST_PW")
    return cli.main(list(args))


def store_rows(home, sql: str) -> list[dict]:
    with session_scope(f"sqlite:///{home / 'operational.sqlite'}", readonly=True) as s:
        return [dict(r._mapping) for r in s.execute(sa.text(sql))]


def login(home, username: str, password: str) -> AppUser:
    with session_scope(f"sqlite:///{home / 'operational.sqlite'}") as s:
        return auth.viewer_for(auth.authenticate(s, username, password))


def write_published(path) -> None:
    """A published snapshot holding the reference tables of the store tests' org chart."""
    ref = make_reference()
    path.parent.mkdir(parents=True, exist_ok=True)
    partners = ref.frame("partners").to_pandas().assign(tier=None, region=None, status="active")
    with duckdb.connect(str(path)) as con:
        con.execute("create schema staging")
        for table, frame in [("stg_crm__users", ref.frame("users").to_pandas()),
                             ("stg_crm__departments", ref.frame("departments").to_pandas()),
                             ("stg_partners__partners", partners)]:
            con.register("f", frame)
            con.execute(f"create table staging.{table} as select * from f")
            con.unregister("f")


# ---------------------------------------------------------------- crmlake users

def test_add_passwd_disable_enable_and_list(home, capsys):
    assert crmlake("users", "add", "boss", "--role", "admin", "--name", "老板", password=GOOD) == 0
    assert crmlake("users", "add", "fin", "--role", "finance", password="finance password 1") == 0
    assert login(home, "boss", GOOD).role == "admin"
    assert crmlake("users", "disable", "fin") == 0
    with pytest.raises(AuthenticationError):
        login(home, "fin", "finance password 1")
    assert crmlake("users", "passwd", "fin", password="another password 2") == 0
    assert crmlake("users", "enable", "fin") == 0
    assert login(home, "fin", "another password 2").username == "fin"
    capsys.readouterr()
    assert crmlake("users", "list", "--json") == 0
    listed = {r["username"]: r for r in json.loads(capsys.readouterr().out)}
    assert {n: (r["role"], r["state"], r["display_name"]) for n, r in listed.items()} == {
        "boss": ("admin", "active", "老板"), "fin": ("finance", "active", "fin")}
    assert all("password_hash" not in r for r in listed.values())
    assert crmlake("store", "users") == 0  # the old spelling lists the same logins
    assert "boss" in capsys.readouterr().out


def test_every_change_is_audited_without_the_password_hash(home):
    crmlake("users", "add", "boss", "--role", "admin", password=GOOD)
    crmlake("users", "add", "fin", "--role", "finance", password=GOOD)
    crmlake("users", "passwd", "fin", password="a new password 3")
    crmlake("users", "disable", "fin")
    trail = store_rows(home, "select action, changed_by_name, before_json, after_json from audit_log "
                             "where table_name = 'app_users' order by id")
    assert [t["action"] for t in trail] == ["insert", "insert", "password", "disable"]
    assert all(t["changed_by_name"].startswith("crmlake users") for t in trail)
    assert json.loads(trail[-1]["before_json"])["is_active"] is True
    assert json.loads(trail[-1]["after_json"])["is_active"] is False
    assert not any("argon2" in (t["before_json"] or "") + (t["after_json"] or "") for t in trail)


def test_passwords_come_from_a_prompt_asked_twice(home, monkeypatch):
    answers = iter(["typed password 1", "typed password 2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert crmlake("users", "add", "fin", "--role", "finance") == 1  # the two differ: nothing added
    assert store_rows(home, "select username from app_users") == []
    answers = iter(["typed password 1", "typed password 1"])
    assert crmlake("users", "add", "fin", "--role", "finance") == 0
    assert login(home, "fin", "typed password 1").role == "finance"


def test_a_password_is_never_an_argument_nor_short_nor_the_demo_one(home, capsys):
    with pytest.raises(SystemExit):
        cli.main(["users", "add", "x1x", "--role", "admin", "--password", GOOD])
    capsys.readouterr()
    assert crmlake("users", "add", "boss", "--role", "admin", password="short") == 1
    assert f"at least {auth.MIN_PASSWORD_LENGTH}" in capsys.readouterr().err
    assert crmlake("users", "add", "boss", "--role", "admin", password=DEMO_PASSWORD) == 1
    assert "demo password" in capsys.readouterr().err
    assert cli.main(["users", "add", "boss", "--role", "admin", "--password-env", "NOT_SET_ANYWHERE"]) == 1
    assert "NOT_SET_ANYWHERE" in capsys.readouterr().err
    assert store_rows(home, "select username from app_users") == []


def test_roles_and_links_are_checked_with_messages_naming_what_is_allowed(home, capsys):
    assert crmlake("users", "add", "bob", "--role", "emperor", password=GOOD) == 1
    err = capsys.readouterr().err
    assert all(role in err for role in ("sales_rep", "finance", "partner_user", "admin"))
    assert crmlake("users", "add", "bob", "--role", "sales_rep", password=GOOD) == 1
    assert "--crm-user-id" in capsys.readouterr().err
    assert crmlake("users", "add", "p1", "--role", "partner_user", password=GOOD) == 1
    assert "partner_id" in capsys.readouterr().err
    write_published(home / "published" / "crmlake.duckdb")
    assert crmlake("users", "add", "bob", "--role", "sales_rep", "--crm-user-id", "424242", password=GOOD) == 1
    assert "424242" in capsys.readouterr().err
    assert crmlake("users", "add", "bob", "--role", "sales_rep", "--crm-user-id", str(REP1), password=GOOD) == 0
    (bob,) = store_rows(home, "select display_name, crm_user_id, department_id from app_users")
    assert bob == {"display_name": "甲一", "crm_user_id": REP1, "department_id": store_fixtures.TEAM_A}


def test_the_last_active_admin_cannot_be_disabled(home, capsys):
    crmlake("users", "add", "boss", "--role", "admin", password=GOOD)
    assert crmlake("users", "disable", "boss") == 1
    assert "only active admin" in capsys.readouterr().err
    crmlake("users", "add", "boss2", "--role", "admin", password=GOOD)
    assert crmlake("users", "disable", "boss") == 0
    assert crmlake("users", "disable", "nobody") == 1
    assert "nobody" in capsys.readouterr().err


# ---------------------------------------------------------------- first admin (crmlake init)

def test_first_admin_once_then_refused(store_url):
    row = users.create_first_admin(store_url, "owner", GOOD, display_name="店主")
    assert (row["username"], row["role"], row["display_name"], row["is_active"]) == ("owner", "admin", "店主", True)
    assert "password_hash" not in row
    with session_scope(store_url) as s:
        assert auth.authenticate(s, "owner", GOOD).role == "admin"
    with pytest.raises(users.AdminExists) as err:
        users.create_first_admin(store_url, "second", GOOD)
    assert "owner" in err.value.errors["username"]
    with session_scope(store_url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AppUser)) == 1


def test_first_admin_password_rules(store_url):
    for password in ("short", DEMO_PASSWORD, ""):
        with pytest.raises(ValidationError) as err:
            users.create_first_admin(store_url, "owner", password)
        assert set(err.value.errors) == {"password"}
    with session_scope(store_url) as s:  # nothing half-created
        assert s.scalar(sa.select(sa.func.count()).select_from(AppUser)) == 0


# ---------------------------------------------------------------- demo logins: demo data only, once

def test_demo_logins_are_seeded_once_and_never_undone(store_url):
    ref = make_reference()
    with session_scope(store_url) as s:
        assert {state for _, state in seed_demo_users(s, ref)} == {"created"}
    with session_scope(store_url) as s:  # what people did with them since
        s.execute(sa.delete(AppUser).where(AppUser.username == "rep2"))
        users.set_active(s, "rep1", False)
        s.execute(sa.update(AppUser).where(AppUser.username == "manager1").values(role="sales_rep"))
        auth.set_password(s, s.scalar(sa.select(AppUser.id).where(AppUser.username == "pm1")), "pm1 own password")
    with session_scope(store_url) as s:
        again = {d.username: state for d, state in seed_demo_users(s, ref)}
    assert set(again.values()) == {"kept"}
    with session_scope(store_url) as s:
        logins = {u.username: u for u in s.scalars(sa.select(AppUser))}
        assert "rep2" not in logins
        assert logins["rep1"].is_active is False
        assert logins["manager1"].role == "sales_rep" and logins["manager1"].crm_user_id == MGR_A
        assert auth.authenticate(s, "pm1", "pm1 own password").username == "pm1"
        marks = s.scalar(sa.select(sa.func.count()).select_from(AuditLog).where(AuditLog.action == "demo_seed"))
    assert marks == 11


def test_a_real_login_named_like_a_demo_login_is_left_alone_for_good(store_url):
    with session_scope(store_url) as s:
        users.add_user(s, "admin", GOOD, "admin")
    ref = make_reference()
    with session_scope(store_url) as s:
        states = {d.username: state for d, state in seed_demo_users(s, ref)}
    assert states["admin"] == "taken" and states["rep1"] == "created"
    with session_scope(store_url) as s:
        assert auth.authenticate(s, "admin", GOOD).username == "admin"  # password untouched
        with pytest.raises(AuthenticationError):
            auth.authenticate(s, "admin", DEMO_PASSWORD)
        s.execute(sa.delete(AppUser).where(AppUser.username == "admin"))
    with session_scope(store_url) as s:  # gone for good: never replaced by a demo-password admin
        assert dict((d.username, st) for d, st in seed_demo_users(s, ref))["admin"] == "kept"
        assert s.scalar(sa.select(AppUser).where(AppUser.username == "admin")) is None


def _demo_settings(home) -> None:
    (home / "config").mkdir(exist_ok=True)
    (home / "config" / "company.yml").write_text("demo: true\n", encoding="utf-8")


def test_seed_demo_users_command_needs_demo_settings(home, capsys):
    write_published(home / "published" / "crmlake.duckdb")
    assert crmlake("store", "seed-demo-users") == 1
    assert "not the demo's settings folder" in capsys.readouterr().out
    assert store_rows(home, "select username from app_users") == []
    _demo_settings(home)
    assert crmlake("store", "seed-demo-users") == 0
    assert len(store_rows(home, "select username from app_users")) == 11


@pytest.mark.parametrize("demo", [False, True])
def test_a_full_run_seeds_demo_logins_only_on_demo_data(home, monkeypatch, demo):
    if demo:
        _demo_settings(home)
    calls = []
    monkeypatch.setattr("pipelines.dbt.project.ensure_manifest", lambda: None)
    monkeypatch.setattr("pipelines.runner.materialize",
                        lambda settings, select, instance=None, incremental_dbt=False: SimpleNamespace(
                            success=True, run_id="test-run", get_asset_check_evaluations=list))
    monkeypatch.setattr(cli, "cmd_store", lambda args: calls.append(args.action) or 0)
    monkeypatch.setattr(cli, "cmd_status", lambda args: 0)
    assert cli.main(["run"]) == 0
    assert calls == (["seed-demo-users"] if demo else [])
    calls.clear()
    assert cli.main(["run", "--select", "key:raw/crm/users"]) == 0
    assert calls == []  # a partial run publishes nothing new to map logins onto
