"""The page and its front-end packages as the server hands them out, the security headers, and the
console over TLS with a certificate made by openssl for the test."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path

import aiohttp
import pytest

from gcs.console.server import NODE_MODULES, VENDOR_MISSING
from gcs.errors import ConfigError
from tests.integration.console.harness import console_server, login

PAGE_FILES = (
    "/vendor/uplot/dist/uPlot.iife.min.js",
    "/vendor/uplot/dist/uPlot.min.css",
    "/vendor/topojson-client/dist/topojson-client.min.js",
    "/vendor/world-atlas/land-110m.json",
)


async def test_page_static_files_and_headers(tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>console</title>")
    (static / "app.js").write_text("export {};")
    (tmp_path / "secret.txt").write_text("not for the browser")
    async with console_server(tmp_path, static_dir=static, node_modules=tmp_path / "no-modules") as console, \
            aiohttp.ClientSession() as session:
        async with session.get(f"{console.url}/") as r:
            assert r.status == 200
            assert "console" in await r.text()
            csp = r.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp
            assert "script-src 'self'" in csp
            assert "frame-ancestors 'none'" in csp
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            assert r.headers["X-Frame-Options"] == "DENY"
        async with session.get(f"{console.url}/static/app.js") as r:
            assert r.status == 200
            assert r.content_type in ("application/javascript", "text/javascript")
        async with session.get(f"{console.url}/static/..%2Fsecret.txt") as r:
            assert r.status in (403, 404)
            assert "not for the browser" not in await r.text()
        for path in PAGE_FILES:
            async with session.get(f"{console.url}{path}") as r:
                assert r.status == 404
                assert await r.text() == VENDOR_MISSING
        async with session.get(f"{console.url}/vendor/leftpad/index.js") as r:
            assert r.status == 404
        headers = await login(session, console, "vic")
        async with session.get(f"{console.url}/api/v1/me", headers=headers) as r:
            assert r.headers["Cache-Control"] == "no-store"
        stream = await session.ws_connect(f"{console.url}/api/v1/stream", headers=headers)
        hello = await stream.receive_json()
        assert hello["config"]["vendor_installed"] is False
        assert hello["config"]["vendor_missing_notice"] == VENDOR_MISSING
        await stream.close()


async def test_no_page_installed(tmp_path: Path) -> None:
    async with console_server(tmp_path, static_dir=tmp_path / "none") as console, \
            aiohttp.ClientSession() as session, session.get(f"{console.url}/") as r:
        assert r.status == 404
        assert "not installed" in await r.text()


@pytest.mark.skipif(not all((NODE_MODULES / p).is_dir() for p in ("uplot", "world-atlas", "topojson-client")),
                    reason="front-end packages not installed (npm ci --prefix gcs/console/web)")
async def test_the_installed_front_end_packages_are_served(tmp_path: Path) -> None:
    async with console_server(tmp_path) as console, aiohttp.ClientSession() as session:
        for path in PAGE_FILES:
            async with session.get(f"{console.url}{path}") as r:
                assert r.status == 200, path
                assert len(await r.read()) > 1000
        async with session.get(f"{console.url}/vendor/uplot/package.json") as r:
            assert r.status == 200
        async with session.get(f"{console.url}/vendor/commander/index.js") as r:
            assert r.status == 404  # only the three packages the page uses


def _certificate(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
async def test_tls(tmp_path: Path) -> None:
    cert, key = _certificate(tmp_path)
    async with console_server(tmp_path, tls_cert_file=cert, tls_key_file=key) as console:
        assert console.url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        # unsafe: aiohttp's jar otherwise keeps no cookies for IP addresses
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context),
                                         cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.post(f"{console.url}/api/v1/login",
                                    json={"user": "dana", "password": console.user("dana").password}) as r:
                assert r.status == 200
                assert r.cookies["seaport_session"]["secure"]
            async with session.get(f"{console.url}/api/v1/me") as r:  # the cookie goes back over https
                assert (await r.json())["user"] == "dana"
    (tmp_path / "other").mkdir()
    _, other_key = _certificate(tmp_path / "other")
    with pytest.raises(ConfigError) as info:
        async with console_server(tmp_path, tls_cert_file=cert, tls_key_file=other_key):
            pass
    assert info.value.path == cert
    assert "PEM certificate" in info.value.expected
