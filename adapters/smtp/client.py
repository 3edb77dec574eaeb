"""Sending e-mail with ``aiosmtplib``: STARTTLS (or TLS), login, one message per call.

Failures become hub errors whose text names the adapter, the step and the SMTP code:
never the server's words, which may quote addresses.
"""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import aiosmtplib

from hub.adapters.smtp.settings import SmtpSettings
from hub.errors import AdapterConfigError, AdapterError, AuthError, RejectedError, TransientError

ADAPTER = "smtp"
AUTH_CODES = frozenset({530, 534, 535, 538})


class SmtpClient:
    """One school's mail server. Each call opens and closes its own connection."""

    def __init__(self, settings: SmtpSettings) -> None:
        self._settings = settings

    async def send(self, email: EmailMessage) -> None:
        """Deliver ``email`` to the relay."""
        async with self._connected("send") as smtp:
            try:
                await smtp.send_message(email)
            except aiosmtplib.SMTPException as exc:
                raise error_for(exc, "send") from None

    async def noop(self) -> None:
        """Connect, log in and say NOOP: proves the server, TLS and credentials."""
        async with self._connected("health") as smtp:
            try:
                code, _ = await smtp.noop()
            except aiosmtplib.SMTPException as exc:
                raise error_for(exc, "health") from None
            if code >= 400:
                raise error_for(aiosmtplib.SMTPResponseException(code, ""), "health")

    def _connected(self, step: str) -> _Session:
        return _Session(self._settings, step)


class _Session:
    """``async with``: a connected, upgraded, logged-in ``aiosmtplib.SMTP``."""

    def __init__(self, settings: SmtpSettings, step: str) -> None:
        self._settings = settings
        self._step = step
        self._smtp = aiosmtplib.SMTP(
            hostname=settings.host,
            port=settings.port,
            timeout=settings.timeout_s,
            use_tls=settings.security == "tls",
            start_tls=settings.security == "starttls",
            tls_context=tls_context(settings),
        )

    async def __aenter__(self) -> aiosmtplib.SMTP:
        s = self._settings
        try:
            await self._smtp.connect()
            if s.username is not None:
                password = s.password.get_secret_value() if s.password else ""
                await self._smtp.login(s.username, password)
        except (aiosmtplib.SMTPException, OSError) as exc:
            await self._close()
            raise error_for(exc, self._step) from None
        return self._smtp

    async def __aexit__(self, *exc_info: object) -> None:
        await self._close()

    async def _close(self) -> None:
        if self._smtp.is_connected:
            try:
                await self._smtp.quit()
            except (aiosmtplib.SMTPException, OSError):
                self._smtp.close()


def tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    """Certificate and host-name checks on (unless ``verify_tls`` is off), TLS 1.2+."""
    cafile = str(settings.ca_file) if settings.ca_file else None
    context = ssl.create_default_context(cafile=cafile)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if not settings.verify_tls:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def error_for(exc: BaseException, step: str) -> AdapterError:
    """The hub error for an SMTP failure: by code and type only."""
    if isinstance(exc, ssl.SSLCertVerificationError) or isinstance(
        exc.__cause__ or exc.__context__, ssl.SSLCertVerificationError
    ):
        return AdapterConfigError(
            f"{ADAPTER}: {step}: the server's TLS certificate failed its checks", adapter=ADAPTER
        )
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in exc.recipients]
        code = max(codes) if codes else 550
        return _by_code(code, step, f"{len(codes)} recipients refused")
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return _by_code(exc.code, step, type(exc).__name__)
    if isinstance(exc, aiosmtplib.SMTPNotSupported) or type(exc) is aiosmtplib.SMTPException:
        return AdapterConfigError(
            f"{ADAPTER}: {step}: the server does not offer what the settings need "
            "(STARTTLS or login)",
            adapter=ADAPTER,
        )
    return TransientError(f"{ADAPTER}: {step}: {type(exc).__name__}", adapter=ADAPTER)


def _by_code(code: int, step: str, what: str) -> AdapterError:
    text = f"{ADAPTER}: {step}: the server answered {code} ({what})"
    if code in AUTH_CODES:
        return AuthError(text, adapter=ADAPTER, status=code)
    if 400 <= code < 500:
        return TransientError(text, adapter=ADAPTER, status=code)
    return RejectedError(text, adapter=ADAPTER, status=code)
