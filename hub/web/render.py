"""Rendering pages: one Jinja2 environment per app, autoescaping every template."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from hub.policy import PolicyPack
from hub.workflow import local_time

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"


def environment() -> Environment:
    """The templates' environment: autoescaped, undefined names fail loudly."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",), default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["label"] = lambda value: str(value).replace("_", " ")
    return env


def clock(at: datetime | None, pack: PolicyPack) -> str:
    """A time as the school reads it on the day, e.g. ``14:05``."""
    return "" if at is None else local_time(at, pack).strftime("%H:%M")


def day_and_clock(at: datetime | None, pack: PolicyPack) -> str:
    """A date and time as the school reads it, e.g. ``Mon 23 Nov 14:05``."""
    return "" if at is None else local_time(at, pack).strftime("%a %d %b %H:%M")


def page(request: Request, template: str, status_code: int = 200, **values: Any) -> HTMLResponse:
    """Render ``template`` with ``values`` (and ``request``) as an HTML response."""
    env: Environment = request.app.state.web_templates
    html = env.get_template(template).render(request=request, **values)
    return HTMLResponse(html, status_code=status_code)
