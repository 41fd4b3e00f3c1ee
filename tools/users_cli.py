"""``crmlake users``: the apps' real logins, managed from the shell (never a password on the command line).

    crmlake users add USERNAME --role ROLE [--name N] [--crm-user-id N] [--partner-id N] [--password-env VAR]
    crmlake users passwd USERNAME [--password-env VAR]
    crmlake users role USERNAME --role ROLE [--crm-user-id N] [--partner-id N]
    crmlake users disable USERNAME | enable USERNAME
    crmlake users list [--json]

A password comes from a prompt (asked twice) or, for scripts, from the environment variable that
``--password-env`` names. The rules (length, not the demo password, roles) are the store's own
(``operational.auth``, ``operational.users``); this module only asks and prints. A new password,
role, links or a disable end the login's live sessions in the apps at their next page run.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys

from kernel.runtime import export_settings_env

ACTIONS = ("add", "passwd", "role", "disable", "enable", "list")


class PasswordInputError(ValueError):
    """No usable password was given (empty, prompts differ, variable unset)."""


def read_password(env_var: str | None, prompt: str = "Password: ") -> str:
    """The password from ``$env_var``, else from a prompt asked twice."""
    if env_var:
        value = os.environ.get(env_var)
        if not value:
            raise PasswordInputError(f"environment variable {env_var} is not set or empty (--password-env {env_var})")
        return value
    first = getpass.getpass(prompt)
    if not first:
        raise PasswordInputError("no password typed")
    if getpass.getpass("Repeat the password: ") != first:
        raise PasswordInputError("the two passwords differ; nothing changed")
    return first


def _actor() -> str:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (containers)
        who = str(os.getuid()) if hasattr(os, "getuid") else "unknown"
    return f"crmlake users ({who})"


def _reference(settings):
    """The published data's users and partners, or ``None`` before the first run (links not checked)."""
    from operational.reference import Reference

    if not settings.published_database.exists():
        return None
    return Reference.load(settings.published_database)


def _print_list(rows: list[dict], as_json: bool, url: str) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    print(f"{'username':<16} {'role':<16} {'state':<9} {'crm_user':>16} {'partner':>16}  name")
    for r in rows:
        crm = "" if r["crm_user_id"] is None else r["crm_user_id"]
        partner = "" if r["partner_id"] is None else r["partner_id"]
        print(f"{r['username']:<16} {r['role']:<16} {r['state']:<9} {crm!s:>16} {partner!s:>16}  {r['display_name']}")
    print(f"{len(rows)} login(s) in {url}")


def cmd_users(args: argparse.Namespace) -> int:
    from operational import users
    from operational.db import session_scope
    from operational.errors import NotFound, ValidationError

    settings = export_settings_env()
    url = settings.operational_url
    action = args.users_action
    try:
        if action == "list":
            with session_scope(url, readonly=True) as session:
                _print_list(users.list_users(session), args.json, url)
            return 0
        if action in ("disable", "enable"):
            with session_scope(url) as session:
                user = users.set_active(session, args.username, action == "enable", actor=_actor())
                print(f"login {user.username} {action}d")
            return 0
        if action == "role":
            reference = _reference(settings)
            with session_scope(url) as session:
                links = {name: value for name, value in (("crm_user_id", args.crm_user_id),
                                                         ("partner_id", args.partner_id)) if value is not None}
                user = users.set_role(session, args.username, args.role, reference=reference, actor=_actor(),
                                      **links)
                print(f"login {user.username} is now {user.role}; its open sessions end at their next page")
            return 0
        password = read_password(args.password_env, f"New password for {args.username}: ")
        if action == "passwd":
            with session_scope(url) as session:
                user = users.set_user_password(session, args.username, password, actor=_actor())
                print(f"password of {user.username} changed")
            return 0
        reference = _reference(settings)
        if reference is None and (args.crm_user_id is not None or args.partner_id is not None):
            print("note: nothing published yet, so the CRM user / partner ids are not checked", file=sys.stderr)
        with session_scope(url) as session:
            user = users.add_user(
                session, args.username, password, args.role, display_name=args.name,
                crm_user_id=args.crm_user_id, partner_id=args.partner_id, reference=reference, actor=_actor(),
            )
            print(f"login {user.username} ({user.role}) added to {url}")
        return 0
    except PasswordInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
    except ValidationError as exc:
        for field, message in exc.errors.items():
            print(f"error: {field}: {message}", file=sys.stderr)
    except NotFound as exc:
        print(f"error: {exc}", file=sys.stderr)
    return 1


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``crmlake users`` on the main parser's subcommands (no store import: parsing stays fast)."""
    users = sub.add_parser("users", help="logins of the apps: add, passwd, role, disable, enable, list")
    actions = users.add_subparsers(dest="users_action", required=True)
    # no abbreviations: `--password SECRET` must be an error, not taken for --password-env
    add = actions.add_parser("add", help="add a login (password from a prompt or --password-env)",
                             allow_abbrev=False)
    add.add_argument("username")
    add.add_argument("--name", help="display name (default: the CRM user's name, else the username)")
    role = actions.add_parser("role", help="another role and/or links (the login's open sessions end)",
                              allow_abbrev=False)
    role.add_argument("username")
    for p in (add, role):
        p.add_argument("--role", required=True,
                       help="what the login may see and do (admin, finance, sales_rep, ...; a wrong one lists them all)")
        p.add_argument("--crm-user-id", type=int,
                       help="the CRM user whose rows the login owns (reps, managers, agents)")
        p.add_argument("--partner-id", type=int, help="the partner of a partner_user login")
    passwd = actions.add_parser("passwd", help="set a new password (also lifts a lockout)", allow_abbrev=False)
    passwd.add_argument("username")
    for p in (add, passwd):
        p.add_argument("--password-env", metavar="VAR",
                       help="read the password from this environment variable (scripts) instead of a prompt")
    for name, text in (("disable", "a disabled login cannot log in"), ("enable", "enable a login again")):
        actions.add_parser(name, help=text).add_argument("username")
    listing = actions.add_parser("list", help="every login with role, state and links")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    users.set_defaults(func=cmd_users)
