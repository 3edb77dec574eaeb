"""GOV.UK Notify on the wire: API keys, per-request JWTs, send payloads, error envelopes.

- An API key is ``{key_name}-{service_id}-{secret}``; the key name may hold hyphens,
  so the two UUIDs are read from the end (the last 36 + 1 + 36 characters).
- Every request carries a fresh HS256 JWT (``iss`` = service id, ``iat`` = now), signed
  with the secret: Notify refuses a token more than 30 s away from its clock.
- Errors come as ``{"status_code": 4xx, "errors": [{"error": "<Type>", "message": "..."}]}``;
  only the types are ever read or logged, never the messages (they may quote data).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from hub.notify import Message

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
UUID_LENGTH = 36
LETTER_LINES = 7


@dataclass(frozen=True)
class ApiKey:
    """A parsed API key: the service id (the JWT's ``iss``) and the signing secret."""

    service_id: str
    secret: str

    def __repr__(self) -> str:
        return f"ApiKey(service_id={self.service_id!r}, secret='**********')"


def parse_api_key(text: str) -> ApiKey:
    """Split ``{key_name}-{service_id}-{secret}``; ValueError (never quoting it) if wrong."""
    text = text.strip()
    if len(text) < 2 * UUID_LENGTH + 3 or text[-UUID_LENGTH - 1] != "-":
        raise ValueError("not a GOV.UK Notify API key ('<key name>-<service id>-<secret>')")
    service_id = text[-2 * UUID_LENGTH - 1 : -UUID_LENGTH - 1]
    secret = text[-UUID_LENGTH:]
    if text[-2 * UUID_LENGTH - 2] != "-" or not (_UUID.match(service_id) and _UUID.match(secret)):
        raise ValueError("not a GOV.UK Notify API key ('<key name>-<service id>-<secret>')")
    return ApiKey(service_id=service_id, secret=secret)


def jwt_token(key: ApiKey, now: float) -> str:
    """A Notify JWT issued at ``now`` (epoch seconds)."""
    claims = {"iss": key.service_id, "iat": int(now)}
    return jwt.encode(claims, key.secret, algorithm="HS256", headers={"typ": "JWT"})


class NotifyAuth(httpx.Auth):
    """Signs every request, retries included, with a fresh JWT."""

    def __init__(self, key: ApiKey, clock: Callable[[], float] = time.time) -> None:
        self._key = key
        self._clock = clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Add ``Authorization: Bearer <fresh JWT>``."""
        request.headers["Authorization"] = f"Bearer {jwt_token(self._key, self._clock())}"
        yield request


def personalisation(message: Message) -> dict[str, str]:
    """The template fields every message fills: subject, body and link."""
    return {
        "subject": message.subject,
        "body": "\n\n".join(message.lines),
        "link": message.link or "",
    }


def payload(
    kind: str, address: str, template_id: str, message: Message, reference: str
) -> dict[str, Any]:
    """The body of ``POST /v2/notifications/{kind}`` to one recipient."""
    fields = personalisation(message)
    if kind == "email":
        return {
            "email_address": address,
            "template_id": template_id,
            "personalisation": fields,
            "reference": reference,
        }
    if kind == "sms":
        return {
            "phone_number": address,
            "template_id": template_id,
            "personalisation": fields,
            "reference": reference,
        }
    lines = [line.strip() for line in address.splitlines() if line.strip()][:LETTER_LINES]
    fields |= {f"address_line_{n}": line for n, line in enumerate(lines, start=1)}
    return {"template_id": template_id, "personalisation": fields, "reference": reference}


def error_types(body: Any) -> list[str]:
    """The ``error`` types of a Notify error envelope (never the messages)."""
    if not isinstance(body, dict) or not isinstance(body.get("errors"), list):
        return []
    return [str(e.get("error")) for e in body["errors"] if isinstance(e, dict) and e.get("error")][
        :5
    ]
