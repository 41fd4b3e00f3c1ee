"""Reads and validates the settings folder; errors name the file, the key and what is allowed.

A missing folder or file means the product defaults (a new install works before `crmlake init`);
a file that is present but wrong stops the run before anything is loaded.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from kernel.config.model import FILES, BusinessSettings

log = logging.getLogger("crmlake.config")


class ConfigError(ValueError):
    """A settings file that cannot be used: file, key and what is wrong or allowed."""

    def __init__(self, path: Path, key: str, message: str) -> None:
        self.path, self.key, self.message = path, key, message
        where = f"{path}: {key}" if key else str(path)
        super().__init__(f"{where}: {message}")


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed(model: type, loc: tuple[Any, ...]) -> str:
    """The keys allowed where an unknown key was found (walks the model along ``loc``)."""
    current: Any = model
    for part in loc[:-1]:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return ""
        annotation = field.annotation
        args = getattr(annotation, "__args__", ()) or ()
        current = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
    fields = getattr(current, "model_fields", None)
    return f" (allowed: {', '.join(fields)})" if fields else ""


def _problem(model: type, error: dict) -> tuple[str, str]:
    """(key, message) of one pydantic error, in the words of the settings file."""
    loc = tuple(part for part in error["loc"] if part != "[key]")
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        message = "unknown key" + _allowed(model, loc)
    elif error["type"] != "missing" and not isinstance(error.get("input"), dict | list):
        message = f"{message} (got {error.get('input')!r})"
    return _key(loc), message


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML without implicit dates: ``2026-13-01`` reaches the model as text, whose error
    names the key (PyYAML's own date parsing would fail with a bare ValueError, and would turn a
    name such as ``2027-01-01`` into a date). libyaml's parser when PyYAML has it: the same
    documents, ~50x faster (the settings are read on every status page view, ~80 ms in Python)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_yaml(path: Path) -> dict:
    if path.is_symlink():
        raise ConfigError(path, "", "is a symbolic link; settings files must be regular files")
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506 (a SafeLoader)
    except UnicodeDecodeError as exc:
        raise ConfigError(path, "", f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ConfigError(path, "", f"is not valid YAML: {where}{getattr(exc, 'problem', exc)}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(path, "", f"must be a mapping of keys to values, not a {type(doc).__name__}")
    return doc


def load_business_settings(config_dir: Path | None = None) -> BusinessSettings:
    """The validated settings of ``config_dir`` (default: ``CRMLAKE_CONFIG_DIR``).

    Files that are absent take the defaults; a file that is present is validated whole.
    Unknown files ending in ``.yml`` are an error (a misspelt file name would be ignored).
    """
    if config_dir is None:
        from kernel.settings import get_settings

        config_dir = get_settings().config_dir
    config_dir = Path(config_dir)
    if not config_dir.is_dir():
        log.debug("no settings folder at %s: product defaults", config_dir)
        return BusinessSettings()
    for path in sorted(config_dir.glob("*.y*ml")):
        if path.stem not in FILES:
            raise ConfigError(path, "", f"is not a settings file; expected one of {', '.join(f'{n}.yml' for n in FILES)}")
    values: dict[str, Any] = {}
    for name, model in FILES.items():
        path = config_dir / f"{name}.yml"
        if not path.exists():
            continue
        doc = _read_yaml(path)
        try:
            values[name] = model.model_validate(doc)
        except ValidationError as exc:
            problems = [_problem(model, error) for error in exc.errors()]
            first_key, first_message = problems[0]
            others = "; ".join(f"{k}: {m}" for k, m in problems[1:4])
            more = f" (also {others}{' ...' if len(problems) > 4 else ''})" if others else ""
            raise ConfigError(path, first_key, first_message + more) from None
    return BusinessSettings(**values)


_cache: dict[Path, tuple[tuple, BusinessSettings]] = {}


def _fingerprint(config_dir: Path) -> tuple:
    if not config_dir.is_dir():
        return ()
    return tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(config_dir.glob("*.y*ml")))


def current_business_settings(config_dir: Path | None = None) -> BusinessSettings:
    """:func:`load_business_settings`, re-read only when a file of the folder changed.

    For long-running readers (the entry screens' store workflows): a changed file takes effect
    on the next call, without reading YAML on every request.
    """
    if config_dir is None:
        from kernel.settings import get_settings

        config_dir = get_settings().config_dir
    config_dir = Path(config_dir).resolve()
    fingerprint = _fingerprint(config_dir)
    cached = _cache.get(config_dir)
    if cached is None or cached[0] != fingerprint:
        cached = (fingerprint, load_business_settings(config_dir))
        _cache[config_dir] = cached
    return cached[1]
