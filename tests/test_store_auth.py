"""Logins: argon2id hashes, one generic error, lockout after 5 failures, session timeout, demo users."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
import store_fixtures
from store_fixtures import MGR_A, PARTNER_1, REP1, REP2, TEAM_A, make_reference

from operational import auth
from operational.db import session_scope
from operational.demo_users import DEMO_PASSWORD, demo_users, seed_demo_users
from operational.errors import AuthenticationError, ValidationError
from operational.models import AppUser

store_url = store_fixtures.store_url
T0 = dt.datetime(2026, 11, 2, 9, 0)


def _user(url: str, username: str = "alice", password: str = "correct horse", role: str = "sales_rep") -> int:
    with session_scope(url) as s:
        return auth.create_user(s, username, password, role, crm_user_id=REP1).id


def test_password_is_stored_as_salted_argon2id(store_url):
    _user(store_url, "alice")
    _user(store_url, "bob")
    with session_scope(store_url) as s:
        hashes = dict(s.execute(sa.select(AppUser.username, AppUser.password_hash)).all())
    assert all(h.startswith("$argon2id$") for h in hashes.values())
    assert hashes["alice"] != hashes["bob"]  # same password, different salt
    assert "correct horse" not in "".join(hashes.values())


def test_login_and_one_generic_error(store_url):
    _user(store_url)
    with session_scope(store_url) as s:
        user = auth.authenticate(s, "alice", "correct horse", now=T0)
        viewer = auth.viewer_for(user)
    assert viewer.role == "sales_rep" and viewer.crm_user_id == REP1
    messages = set()
    for name, pw in [("alice", "wrong password"), ("nobody", "correct horse")]:
        with pytest.raises(AuthenticationError) as err, session_scope(store_url) as s:
            auth.authenticate(s, name, pw, now=T0)
        messages.add(str(err.value))
    assert len(messages) == 1  # unknown user and wrong password look the same


def test_lockout_after_five_failures(store_url):
    """The first lock is short (later ones grow up to auth.LOCKOUT; tests/test_hardening_auth.py)."""
    _user(store_url)
    for _ in range(auth.MAX_FAILED_LOGINS):
        with pytest.raises(AuthenticationError), session_scope(store_url) as s:
            auth.authenticate(s, "alice", "wrong", now=T0)
    # the right password from the same source is refused while locked, with the same message
    with pytest.raises(AuthenticationError), session_scope(store_url) as s:
        auth.authenticate(s, "alice", "correct horse", now=T0 + auth.limits.FIRST_LOCK - dt.timedelta(seconds=1))
    with session_scope(store_url) as s:
        user = s.scalar(sa.select(AppUser).where(AppUser.username == "alice"))
        assert user.locked_until == T0 + auth.limits.FIRST_LOCK <= T0 + auth.LOCKOUT
        ok = auth.authenticate(s, "alice", "correct horse", now=T0 + auth.limits.FIRST_LOCK + dt.timedelta(seconds=1))
        assert ok.failed_logins == 0 and ok.locked_until is None


def test_four_failures_then_success_resets_the_count(store_url):
    _user(store_url)
    for _ in range(auth.MAX_FAILED_LOGINS - 1):
        with pytest.raises(AuthenticationError), session_scope(store_url) as s:
            auth.authenticate(s, "alice", "wrong", now=T0)
    with session_scope(store_url) as s:
        assert auth.authenticate(s, "alice", "correct horse", now=T0).failed_logins == 0


def test_session_timeout(monkeypatch):
    assert auth.session_timeout_minutes({}) == 30
    assert auth.session_timeout_minutes({"CRMLAKE_SESSION_TIMEOUT_MINUTES": "5"}) == 5
    with pytest.raises(ValueError, match="CRMLAKE_SESSION_TIMEOUT_MINUTES"):
        auth.session_timeout_minutes({"CRMLAKE_SESSION_TIMEOUT_MINUTES": "half an hour"})
    assert not auth.is_expired(T0, T0 + dt.timedelta(minutes=30), 30)
    assert auth.is_expired(T0, T0 + dt.timedelta(minutes=30, seconds=1), 30)
    assert auth.is_expired(None, T0, 30)
    monkeypatch.setenv("CRMLAKE_SESSION_TIMEOUT_MINUTES", "10")
    clock = auth.SessionClock()
    clock.touch(T0)
    assert not clock.expired(T0 + dt.timedelta(minutes=9))
    clock.touch(T0 + dt.timedelta(minutes=9))  # activity extends the session
    assert not clock.expired(T0 + dt.timedelta(minutes=18))
    assert clock.expired(T0 + dt.timedelta(minutes=20))


def test_create_user_and_change_password_name_the_bad_field(store_url):
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        auth.create_user(s, "x", "short", "emperor")
    assert set(err.value.errors) == {"username", "password", "role"}
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        auth.create_user(s, "partner9", "long enough pw", "partner_user")
    assert set(err.value.errors) == {"partner_id"}
    uid = _user(store_url)
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        auth.create_user(s, "alice", "another password", "sales_rep")
    assert "taken" in err.value.errors["username"]
    with session_scope(store_url) as s, pytest.raises(ValidationError) as err:
        auth.change_password(s, uid, "not it", "new password 1")
    assert set(err.value.errors) == {"old_password"}
    with session_scope(store_url) as s:
        auth.change_password(s, uid, "correct horse", "new password 1")
    with pytest.raises(AuthenticationError), session_scope(store_url) as s:
        auth.authenticate(s, "alice", "correct horse")
    with session_scope(store_url) as s:
        assert auth.authenticate(s, "alice", "new password 1").id == uid


def test_demo_users_are_a_team_and_two_partners_and_seeding_is_idempotent(store_url):
    ref = make_reference()
    logins = {d.username: d for d in demo_users(ref)}
    assert set(logins) == {"admin", "rep1", "rep2", "manager1", "finance1", "agent1", "service_mgr1", "pm1",
                           "channel1", "partner1", "partner2"}
    assert (logins["rep1"].crm_user_id, logins["rep2"].crm_user_id) == (REP1, REP2)
    assert logins["manager1"].crm_user_id == MGR_A
    assert logins["rep1"].department_id == logins["rep2"].department_id == TEAM_A
    assert logins["partner1"].partner_id == PARTNER_1
    assert logins["partner1"].partner_id != logins["partner2"].partner_id
    with session_scope(store_url) as s:
        first = seed_demo_users(s, ref)
    with session_scope(store_url) as s:
        auth.change_password(s, auth.authenticate(s, "rep1", DEMO_PASSWORD).id, DEMO_PASSWORD, "rep1 own password")
    with session_scope(store_url) as s:
        second = seed_demo_users(s, ref)
        count = s.scalar(sa.select(sa.func.count()).select_from(AppUser))
    assert {state for _, state in first} == {"created"} and {state for _, state in second} == {"kept"}
    assert count == 11
    with session_scope(store_url) as s:  # re-seeding did not reset a changed password
        assert auth.authenticate(s, "rep1", "rep1 own password").username == "rep1"
        assert auth.viewer_for(auth.authenticate(s, "partner2", DEMO_PASSWORD)).partner_id is not None
