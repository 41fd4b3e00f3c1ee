"""Writes a settings folder a finance or service manager can read: one YAML file per topic,
every key under a comment saying what it does, its unit and what is allowed.

The comments come from the field descriptions of ``kernel.config.model`` (the one place
that defines the settings), so the written files, the validation and the defaults never drift
apart; loading a folder written from ``BusinessSettings()`` gives ``BusinessSettings()`` back.
"""

from __future__ import annotations

import os
import textwrap
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import annotated_types as at
import yaml
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from kernel.config.model import FILES, BusinessSettings

WIDTH = 96


class _Dumper(yaml.SafeDumper):
    """Decimals as plain YAML numbers (0.25, not '0.25')."""


def _decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    if value == value.to_integral_value() and "." not in str(value):
        return dumper.represent_int(int(value))
    return dumper.represent_scalar("tag:yaml.org,2002:float", str(value))


_Dumper.add_representer(Decimal, _decimal)


def _flow(value: Any) -> str:
    return yaml.dump(value, Dumper=_Dumper, default_flow_style=True, allow_unicode=True,
                     sort_keys=False, width=10_000).strip().removesuffix("...").strip()


def _comment(text: str, indent: str, hanging: str = "") -> list[str]:
    lines = textwrap.wrap(text, WIDTH - len(indent) - 2, subsequent_indent=hanging)
    return [f"{indent}# {line}" for line in lines] or [f"{indent}#"]


def _model_of(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _allowed(field: FieldInfo) -> str:
    """What may be written, from the field's type and bounds."""
    annotation = field.annotation
    literals = [a for a in (annotation, *get_args(annotation)) if get_origin(a) is Literal]
    if literals:
        choices = " | ".join(str(v) for lit in literals for v in get_args(lit))
        return ("keys " if get_origin(annotation) is dict else "") + choices
    bounds = []
    for meta in field.metadata:
        for kind, attr, symbol in ((at.Ge, "ge", ">="), (at.Gt, "gt", ">"), (at.Le, "le", "<="), (at.Lt, "lt", "<")):
            if isinstance(meta, kind):
                bounds.append(f"{symbol} {getattr(meta, attr)}")
    kind = "a whole number" if annotation is int or int in get_args(annotation) else "a number"
    return f"{kind} " + " and ".join(bounds) if bounds else ""


def _describe(field: FieldInfo) -> str:
    text = field.description or ""
    allowed = _allowed(field)
    return f"{text} Allowed: {allowed}." if allowed else text


def _plain(value: Any) -> Any:
    """Model values as YAML-friendly Python (dates stay dates, Decimals stay Decimals)."""
    if isinstance(value, BaseModel):
        return {k: _plain(v) for k, v in value if v is not None}
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _render_model(model: BaseModel, indent: str = "") -> list[str]:
    lines: list[str] = []
    for name, field in type(model).model_fields.items():
        value = getattr(model, name)
        lines += _comment(_describe(field), indent)
        item_model = _model_of(get_args(field.annotation)[0]) if get_origin(field.annotation) is list else None
        if item_model is not None:
            for item_name, item_field in item_model.model_fields.items():
                lines += _comment(f"  {item_name}: {_describe(item_field)}", indent, hanging="    ")
        example = (field.json_schema_extra or {}).get("example") if isinstance(field.json_schema_extra, dict) else None
        if isinstance(value, BaseModel):
            lines.append(f"{indent}{name}:")
            lines += _render_model(value, indent + "  ")
        elif isinstance(value, list) and value and item_model is not None:
            lines.append(f"{indent}{name}:")
            lines += [f"{indent}  - {_flow(_plain(item))}" for item in value]
        elif isinstance(value, dict) and value:
            lines.append(f"{indent}{name}:")
            lines += [f"{indent}  {_flow(k)}: {_flow(_plain(v))}" for k, v in value.items()]
        else:
            if example:
                lines += _comment("for example:", indent)
                lines += [f"{indent}#   - {_flow(item)}" for item in example]
            lines.append(f"{indent}{name}: {_flow(_plain(value)) if value is not None else ''}".rstrip())
        if lines[-1]:
            lines.append("")
    return lines


def render_file(name: str, settings: BusinessSettings) -> str:
    """The text of ``<name>.yml`` holding ``settings``' section ``name``, commented."""
    section = getattr(settings, name)
    doc = " ".join((type(section).__doc__ or "").split())
    header = [
        f"# {name}.yml -- crmlake business settings",
        *_comment(doc, ""),
        "# A key left out takes its default; docs/settings.md describes every key. Checked before",
        "# every `crmlake run`: a mistake stops the run naming the file, the key and what is allowed.",
        "",
    ]
    return "\n".join(header + _render_model(section)).rstrip() + "\n"


def write_settings(config_dir: Path, settings: BusinessSettings, force: bool = False) -> list[Path]:
    """Write all settings files of ``settings`` into ``config_dir``; an existing file is kept
    unless ``force``. Returns the files written."""
    config_dir = Path(config_dir)
    config_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in FILES:
        path = config_dir / f"{name}.yml"
        if path.exists() and not force:
            continue
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(render_file(name, settings), encoding="utf-8")
        os.replace(tmp, path)
        written.append(path)
    return written


def write_default_settings(config_dir: Path, force: bool = False) -> list[Path]:
    """The documented, neutral defaults (``crmlake init``): no demo people, no locked periods,
    no position plans. Existing files are kept unless ``force``; returns the files written."""
    return write_settings(config_dir, BusinessSettings(), force=force)
