"""`doorstep config schema`: every setting with its env var, type, default and meaning.

``describe_settings`` is pure: it walks the core settings models and the adapter
settings models it is given. Env names follow the one rule: ``DOORSTEP_`` + the TOML
path joined with ``__``, upper-cased; ``<SCHOOL>`` and ``<ADAPTER>`` stand for ids.
"""

from __future__ import annotations

import json
import types
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import typer
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo

from hub.errors import PluginError
from hub.settings import HubSettings, SchoolSettings, env_var_for, key_of

SCHOOL = "<school>"
ADAPTER = "<adapter>"
CONTAINERS = frozenset({"schools", "adapters"})


@dataclass(frozen=True)
class SettingDoc:
    """One setting as ``doorstep config schema`` shows it."""

    key: str
    env: str
    type: str
    default: str
    description: str
    example: str
    secret: bool = False


def describe_settings(adapter_models: Mapping[str, type[BaseModel]]) -> list[SettingDoc]:
    """Every core setting, then every registered adapter's settings, globally and per school."""
    docs = list(_fields(HubSettings, (), skip=CONTAINERS))
    school = ("schools", SCHOOL)
    docs.append(_table(school, "One school the hub serves, by school id."))
    docs.extend(_fields(SchoolSettings, school, skip=frozenset({"adapters"})))
    docs.append(_table(("adapters", ADAPTER), "Default settings of one adapter, for every school."))
    docs.append(
        _table((*school, "adapters", ADAPTER), "Enables an adapter for this school; overlays.")
    )
    for adapter_id, model in sorted(adapter_models.items()):
        docs.extend(_fields(model, ("adapters", adapter_id)))
        docs.extend(_fields(model, (*school, "adapters", adapter_id)))
    return docs


def _table(path: tuple[str, ...], description: str) -> SettingDoc:
    return SettingDoc(
        key=key_of(path),
        env=env_var_for((*path, "<key>")),
        type="table",
        default="(none)",
        description=description,
        example="",
    )


def _fields(
    model: type[BaseModel], prefix: tuple[str, ...], skip: frozenset[str] = frozenset()
) -> Iterator[SettingDoc]:
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        annotation = info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            yield from _fields(annotation, (*prefix, name))
            continue
        path = (*prefix, name)
        yield SettingDoc(
            key=key_of(path),
            env=env_var_for(path),
            type=type_text(annotation),
            default=_default_text(info),
            description=info.description or "",
            example=_example(info),
            secret=_is_secret(annotation),
        )


def _members(annotation: Any) -> tuple[Any, ...]:
    origin = get_origin(annotation)
    if origin is Annotated:
        return _members(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return tuple(m for arg in get_args(annotation) for m in _members(arg))
    return (annotation,)


def type_text(annotation: Any) -> str:
    """A type as an admin reads it: ``text``, ``true/false``, ``one of: a, b``, ..."""
    members = [m for m in _members(annotation) if m is not type(None)]
    text = " or ".join(_one_type(member) for member in members)
    return f"{text} (optional)" if len(members) < len(_members(annotation)) else text


def _one_type(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of: " + ", ".join(str(choice) for choice in get_args(annotation))
    if origin in (frozenset, set, list, tuple):
        return "comma list"
    if origin is dict:
        return "table"
    names = {
        str: "text",
        bool: "true/false",
        int: "integer",
        float: "number",
        Path: "path",
        SecretStr: "secret",
    }
    if annotation in names:
        return names[annotation]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "one of: " + ", ".join(str(member.value) for member in annotation)
    return getattr(annotation, "__name__", str(annotation))


def _default_text(info: FieldInfo) -> str:
    if info.is_required():
        return "(required)"
    value = info.get_default(call_default_factory=True)
    if value is None or value == frozenset() or value == {}:
        return "(unset)"
    if isinstance(value, SecretStr):
        return "(secret)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _example(info: FieldInfo) -> str:
    if info.examples:
        return str(info.examples[0])
    default = None if info.is_required() else info.get_default(call_default_factory=True)
    members = [m for m in _members(info.annotation) if m is not type(None)]
    kind = members[0] if members else str
    if get_origin(kind) is Literal:
        choices = [str(choice) for choice in get_args(kind)]
        return next((c for c in choices if c != default), choices[0])
    if isinstance(kind, type) and issubclass(kind, Enum):
        return str(next(m.value for m in kind if m != default))
    examples: dict[Any, str] = {
        bool: "false" if default is True else "true",
        int: "7",
        float: "7.5",
        Path: "/var/lib/doorstep",
        SecretStr: "example-secret",
    }
    return examples.get(kind, "example")


def _is_secret(annotation: Any) -> bool:
    return SecretStr in _members(annotation)


def render_text(docs: list[SettingDoc]) -> str:
    """The settings as plain text blocks, one per setting."""
    blocks = []
    for doc in docs:
        lines = [
            doc.env,
            f"  key:     {doc.key}",
            f"  type:    {doc.type}{' (secret: never in the config file)' if doc.secret else ''}",
            f"  default: {doc.default}",
        ]
        if doc.description:
            lines.append(f"  {doc.description}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _installed_settings_models() -> dict[str, type[BaseModel]]:
    from hub.hooks.registry import build_registry

    return build_registry().settings_models()


def schema(
    output: Annotated[
        Literal["text", "json"], typer.Option("--format", help="text (default) or json.")
    ] = "text",
) -> None:
    """Print every setting with its env var name, type, default and description."""
    try:
        models = _installed_settings_models()
    except PluginError as exc:
        typer.echo(f"doorstep: error: {exc}", err=True)
        raise typer.Exit(1) from None
    docs = describe_settings(models)
    if output == "json":
        typer.echo(json.dumps([asdict(doc) for doc in docs], indent=2))
    else:
        typer.echo(render_text(docs))


def register(app: typer.Typer) -> None:
    """Add the ``config`` command group to ``app``."""
    group = typer.Typer(name="config", help="Inspect the hub's settings.", no_args_is_help=True)
    group.command(name="schema")(schema)
    app.add_typer(group, name="config")
