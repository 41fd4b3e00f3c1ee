"""``crmlake init``: a new company's install, before its first run.

    crmlake init [--config-dir DIR] [--admin USERNAME] [--password-env VAR] [--no-admin] [--force]

Writes the business-settings folder with its documented, neutral defaults (no demo people, no
locked periods, no position plans; existing files are kept unless ``--force``), creates the
folders of the lakehouse, migrates the operational store and creates its first admin login. The
admin's password comes from a prompt (asked twice) or from the environment variable that
``--password-env`` names (default ``CRMLAKE_ADMIN_PASSWORD`` when set); there is no default.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from kernel.runtime import export_settings_env

ADMIN_PASSWORD_ENV = "CRMLAKE_ADMIN_PASSWORD"


def cmd_init(args: argparse.Namespace) -> int:
    from kernel.config.render import write_default_settings
    from operational.users import AdminExists, admin_usernames, create_first_admin
    from tools.users_cli import PasswordInputError, read_password

    settings = export_settings_env()
    settings.ensure_dirs()
    config_dir = Path(args.config_dir).resolve() if args.config_dir else settings.config_dir
    written = write_default_settings(config_dir, force=args.force)
    kept = sorted({p.name for p in config_dir.glob("*.yml")} - {p.name for p in written})
    print(f"business settings in {config_dir}: wrote {', '.join(p.name for p in written) or 'nothing'}"
          + (f"; kept {', '.join(kept)} (--force rewrites them)" if kept else ""))

    admins = [] if args.no_admin else admin_usernames(settings.operational_url)
    if admins:
        print(f"admin login: the store already has {', '.join(admins)} (`crmlake users` manages logins)")
    elif not args.no_admin:
        env_var = args.password_env or (ADMIN_PASSWORD_ENV if os.environ.get(ADMIN_PASSWORD_ENV) else None)
        if env_var is None and not sys.stdin.isatty():
            print(f"crmlake init: no terminal to ask the admin password; set {ADMIN_PASSWORD_ENV} "
                  "(or --password-env VAR), or pass --no-admin", file=sys.stderr)
            return 2
        try:
            password = read_password(env_var, prompt=f"Password for the admin login {args.admin!r}: ")
            login = create_first_admin(settings.operational_url, args.admin, password)
        except PasswordInputError as exc:
            print(f"crmlake init: {exc}", file=sys.stderr)
            return 2
        except AdminExists as exc:
            print(f"admin login: {'; '.join(str(v) for v in exc.errors.values())}")
        except ValueError as exc:  # the store's ValidationError: which field, what is wrong
            errors = getattr(exc, "errors", None)
            detail = "; ".join(f"{k}: {v}" for k, v in errors.items()) if isinstance(errors, dict) else str(exc)
            print(f"crmlake init: admin login not created: {detail}", file=sys.stderr)
            return 2
        else:
            print(f"admin login {login['username']!r} created in {settings.operational_url}")

    print(
        "\nNext:\n"
        f"  1. put your extracts in {settings.landing_dir} (contract: docs/sources.md)\n"
        "  2. crmlake check      # what is delivered, what would be rejected, which capabilities it enables\n"
        "  3. crmlake run        # load, check, build, publish\n"
        "  4. crmlake status     # what was computed, and why not where not"
    )
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    init = sub.add_parser("init", help="write the business-settings folder and create the first admin login")
    init.add_argument("--config-dir", help="default: CRMLAKE_CONFIG_DIR or <CRMLAKE_HOME>/config")
    init.add_argument("--admin", default="admin", help="username of the first admin login (default: admin)")
    init.add_argument("--password-env", help=f"environment variable holding the admin password "
                                             f"(default: {ADMIN_PASSWORD_ENV} when set, else a prompt)")
    init.add_argument("--no-admin", action="store_true", help="settings only, no admin login")
    init.add_argument("--force", action="store_true", help="rewrite settings files that exist")
    init.set_defaults(func=cmd_init)
