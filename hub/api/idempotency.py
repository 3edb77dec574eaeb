"""``Idempotency-Key`` on every state-changing endpoint, kept in the database.

A POST with the header is handled once per (user, key): the response (success or
problem, but never a 5xx) is stored with a SHA-256 of the method, path and body.

- the same key and the same request again: the stored response, replayed byte for
  byte, with ``Idempotent-Replayed: true``;
- the same key with a different request: 422;
- the same key while the first request is still being handled (in any process): 409.

A request that fails with a 5xx releases its key, so the client can retry it.

A handler that saves a workflow step may keep the answer in the step's own
transaction (``answer_for``, then ``kept``): the response and what it reports are
stored together or not at all, and there is no second write.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from hub.api.context import context_of
from hub.api.problems import ApiProblemError, response_for
from hub.api.security import authenticate
from hub.store.requests import IdempotentAnswer, KeyState

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_hash(method: str, path: str, body: bytes) -> str:
    """What makes two requests with one key "the same request"."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def answer_for(request: Request, status: int, body: bytes) -> IdempotentAnswer | None:
    """The answer to keep with the handler's own write, when the request claimed a key."""
    claim = getattr(request.state, "idempotency_claim", None)
    if not isinstance(claim, tuple):
        return None
    principal, key = claim
    return IdempotentAnswer(principal=principal, key=key, status=status, body=body.decode())


def kept(request: Request) -> None:
    """Say the handler's committed write kept the answer (``answer_for``'s)."""
    request.state.idempotency_kept = True


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= MAX_KEY_LENGTH and key.isascii() and key.isprintable()


class IdempotentRoute(APIRoute):
    """An ``APIRoute`` whose POSTs honour ``Idempotency-Key``."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the key check, the replay and the storing."""
        handler = super().get_route_handler()
        if "POST" not in (self.methods or set()):
            return handler

        async def route(request: Request) -> Response:
            key = request.headers.get(HEADER)
            if key is None:
                return await handler(request)
            if not _valid_key(key):
                detail = f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters."
                raise ApiProblemError(422, "invalid-idempotency-key", detail)
            return await _once(request, handler, key)

        return route


async def _once(
    request: Request, handler: Callable[[Request], Coroutine[Any, Any, Response]], key: str
) -> Response:
    principal = await authenticate(request)
    ctx = context_of(request)
    digest = request_hash(request.method, request.url.path, await request.body())
    found = await ctx.write(ctx.requests.begin, principal.user_id, key, digest, ctx.now())
    if found.state is KeyState.REPLAY:
        return Response(
            content=found.body or "",
            status_code=found.status or 200,
            media_type=_media_type(found.status or 200),
            headers={"Idempotent-Replayed": "true"},
        )
    if found.state is KeyState.MISMATCH:
        detail = f"This {HEADER} was used for a different request; use a new key."
        raise ApiProblemError(422, "idempotency-key-reused", detail)
    if found.state is KeyState.IN_FLIGHT:
        detail = f"A request with this {HEADER} is still being handled; retry shortly."
        raise ApiProblemError(
            409, "idempotency-key-in-flight", detail, headers={"Retry-After": "1"}
        )
    request.state.idempotency_claim = (principal.user_id, key)
    try:
        response = await handler(request)
    except Exception as exc:
        known = response_for(exc)
        if known is None or known.status_code >= 500:
            await ctx.write(ctx.requests.release, principal.user_id, key)
            raise
        request.state.idempotency_kept = False
        response = known
    if response.status_code >= 500:
        await ctx.write(ctx.requests.release, principal.user_id, key)
    elif not getattr(request.state, "idempotency_kept", False):
        body = bytes(response.body).decode()
        await ctx.write(ctx.requests.finish, principal.user_id, key, response.status_code, body)
    return response


def _media_type(status: int) -> str:
    return "application/json" if status < 400 else "application/problem+json"
