"""Reading an HTML form (``application/x-www-form-urlencoded``) without extra packages."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qs

from fastapi import Request

MAX_FORM_BYTES = 64 * 1024


class FormTooLargeError(Exception):
    """A form body over ``MAX_FORM_BYTES``."""


@dataclass(frozen=True)
class Form:
    """The fields of one submitted form; the first value of each name."""

    fields: dict[str, str]

    def get(self, name: str, default: str = "") -> str:
        """The field's value, stripped, or ``default``."""
        return self.fields.get(name, default).strip()

    def checked(self, name: str) -> bool:
        """Whether a checkbox was ticked."""
        return name in self.fields

    @property
    def csrf(self) -> str:
        """The CSRF token the form carried."""
        return self.get("csrf_token")


async def read_form(request: Request) -> Form:
    """The submitted form of ``request``."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise FormTooLargeError
    parsed = parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True)
    return Form({name: values[0] for name, values in parsed.items() if values})
