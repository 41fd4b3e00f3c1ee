"""The tenant's credentials, from the environment only (never a settings file, never logged)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

ENV = {
    "client_id": "CRMLAKE_CRM_CLIENT_ID",
    "client_secret": "CRMLAKE_CRM_CLIENT_SECRET",
    "username": "CRMLAKE_CRM_USERNAME",
    "password": "CRMLAKE_CRM_PASSWORD",  # the user's password followed by the tenant's security token
}
BASE_URL_ENV = "CRMLAKE_CRM_BASE_URL"
REDIRECT_URI_ENV = "CRMLAKE_CRM_REDIRECT_URI"


class MissingCredentials(RuntimeError):
    """Names the variables that are not set (never their values)."""


@dataclass(frozen=True)
class Credentials:
    client_id: str
    client_secret: str = field(repr=False)
    username: str
    password: str = field(repr=False)
    redirect_uri: str = ""

    def token_form(self) -> dict[str, str]:
        """The OAuth password-grant form of ``/oauth2/token.action``."""
        return {
            "grant_type": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "username": self.username,
            "password": self.password,
        }


def credentials_from_env(env: dict[str, str] | None = None) -> Credentials:
    env = dict(os.environ if env is None else env)
    missing = [name for name in ENV.values() if not env.get(name)]
    if missing:
        raise MissingCredentials(f"set {', '.join(missing)} in the environment (the tenant's API credentials)")
    values = {key: env[name] for key, name in ENV.items()}
    return Credentials(**values, redirect_uri=env.get(REDIRECT_URI_ENV, ""))
