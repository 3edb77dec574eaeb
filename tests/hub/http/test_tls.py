"""TLS through the egress guard: the guard dials the checked IP, yet SNI and the
certificate check still use the URL's host name. A throwaway CA-less self-signed
certificate is made with the openssl command for each test session."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from hub.errors import AdapterConfigError
from hub.http import HttpClient, HttpSettings, build_transport
from tests.hub.http.servers import RecordingBackend, SleepRecorder, answer, read_head, serve

NAME = "mis.school.test"

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-keyout", str(key), "-out", str(cert), "-subj", f"/CN={NAME}"]
    command += ["-addext", f"subjectAltName=DNS:{NAME}"]
    subprocess.run(
        command,
        check=True,
        capture_output=True,
    )
    return cert, key


async def _hello(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await read_head(reader)
    writer.write(answer(200, {"content-type": "text/plain"}, b"hello"))
    await writer.drain()


async def _to_loopback(host: str, port: int) -> Sequence[str]:
    return ["127.0.0.1"]


async def _get(host: str, port: int, trust: ssl.SSLContext, backend: RecordingBackend) -> str:
    settings = HttpSettings.model_validate(
        {
            "base_url": f"https://{host}:{port}/",
            "allow_private_cidrs": ["127.0.0.0/8"],
            "max_attempts": 1,
        }
    )
    transport = build_transport(
        "demo", settings, ssl_context=trust, resolver=_to_loopback, backend=backend
    )
    async with HttpClient("demo", settings, transport=transport, sleep=SleepRecorder()) as client:
        return (await client.request("GET", "/")).text


async def test_tls_checks_the_host_name_while_dialling_the_checked_ip(
    certificate: tuple[Path, Path],
) -> None:
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    backend = RecordingBackend()
    async with serve(_hello, tls=server_side) as port:
        assert await _get(NAME, port, trust, backend) == "hello"
        with pytest.raises(AdapterConfigError, match="TLS certificate"):
            await _get("other.school.test", port, trust, backend)
    assert backend.dialled == [("127.0.0.1", port), ("127.0.0.1", port)]


async def test_an_untrusted_certificate_is_refused(certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    server_side = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_side.load_cert_chain(cert, key)
    system_bundle = ssl.create_default_context()
    async with serve(_hello, tls=server_side) as port:
        with pytest.raises(AdapterConfigError, match="TLS certificate"):
            await _get(NAME, port, system_bundle, RecordingBackend())
