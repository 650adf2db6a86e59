"""The one HTTP client of torchdoctor: `torchdoctor update`'s downloads.

HTTPS only (plain HTTP to a loopback address is allowed, for tests and local mirrors), redirects
included; proxies from the usual environment variables (`https_proxy`, `no_proxy`, … as urllib
reads them) and a custom CA bundle from `SSL_CERT_FILE`, `REQUESTS_CA_BUNDLE` or
`CURL_CA_BUNDLE` (`SSL_CERT_DIR` for a directory); a size limit per response and one deadline
for the whole run. Every failure is an `UpdateError` with one line naming the URL and the fault.
"""

from __future__ import annotations

import http.client
import ipaddress
import os
import socket
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import IO, Any
from urllib.parse import urlsplit

from torchdoctor.errors import TorchdoctorError

CHUNK = 65536
DEFAULT_MAX_BYTES = 16 * 1024 * 1024
USER_AGENT = "torchdoctor-update"


class UpdateError(TorchdoctorError):
    """The update failed; the previous knowledge stays in use. Exit 1."""

    exit_code = 1


class Missing(UpdateError):
    """The server says the file does not exist (HTTP 404/410): an optional file is absent."""


def is_loopback(host: str) -> bool:
    """Whether `host` names this machine (localhost, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def url_refusal(url: str) -> str | None:
    """Why torchdoctor will not fetch `url`, or None when it will."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    if parts.scheme == "http" and parts.hostname and is_loopback(parts.hostname):
        return None
    if parts.scheme == "http":
        return f"{url} is plain http: torchdoctor update uses HTTPS only"
    return f"{url!r} is not an https URL"


def ssl_context(environ: Mapping[str, str]) -> ssl.SSLContext:
    """The default context, with the CA bundle the environment names."""
    cafile = next((environ[n] for n in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
                   if environ.get(n) and os.path.isfile(environ[n])), None)
    capath = environ.get("SSL_CERT_DIR") if os.path.isdir(environ.get("SSL_CERT_DIR", "")) \
        else None
    try:
        return ssl.create_default_context(cafile=cafile, capath=capath)
    except (OSError, ssl.SSLError) as exc:
        raise UpdateError(f"cannot use the CA bundle {cafile or capath}: {exc}") from None


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow a redirect only to a URL torchdoctor would fetch itself (never to plain http)."""

    def redirect_request(self, req: urllib.request.Request, fp: IO[bytes], code: int, msg: str,
                         headers: Any, newurl: str) -> urllib.request.Request | None:
        refusal = url_refusal(newurl)
        if refusal:
            raise UpdateError(f"{req.full_url} redirects to {newurl}: refused ({refusal})")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class Fetcher:
    """Downloads under one deadline (`timeout` seconds from creation) and a size limit."""

    def __init__(self, timeout: float, max_bytes: int = DEFAULT_MAX_BYTES,
                 environ: Mapping[str, str] | None = None) -> None:
        self.timeout = timeout
        self.deadline = time.monotonic() + timeout
        self.max_bytes = max_bytes
        self.environ = dict(os.environ if environ is None else environ)
        self._context: ssl.SSLContext | None = None

    def deadline_left(self) -> float:
        """Seconds left before the deadline (negative once it passed)."""
        return self.deadline - time.monotonic()

    def _remaining(self, url: str) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise UpdateError(f"{url}: timed out (the update's limit is {self.timeout:g} s)")
        return left

    def _opener(self, url: str) -> urllib.request.OpenerDirector:
        host = urlsplit(url).hostname or ""
        proxies = {} if is_loopback(host) else urllib.request.getproxies()
        handlers: list[Any] = [urllib.request.ProxyHandler(proxies), _Redirects()]
        if urlsplit(url).scheme == "https":
            if self._context is None:
                self._context = ssl_context(self.environ)
            handlers.append(urllib.request.HTTPSHandler(context=self._context))
        return urllib.request.build_opener(*handlers)

    def get(self, url: str, accept: str = "*/*") -> bytes:
        """The body of `url`; UpdateError (Missing for 404/410) on any failure."""
        refusal = url_refusal(url)
        if refusal:
            raise UpdateError(refusal)
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT,
                                                       "Accept": accept})
        try:
            with self._opener(url).open(request, timeout=self._remaining(url)) as response:
                return self._read(url, response)
        except urllib.error.HTTPError as exc:
            kind = Missing if exc.code in (404, 410) else UpdateError
            raise kind(f"{url}: HTTP {exc.code} {exc.reason}") from None
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (socket.timeout, TimeoutError)):
                raise UpdateError(f"{url}: timed out (the update's limit is "
                                  f"{self.timeout:g} s)") from None
            raise UpdateError(f"{url}: cannot connect: {reason}") from None
        except TimeoutError:
            raise UpdateError(f"{url}: timed out (the update's limit is {self.timeout:g} s)") \
                from None
        except http.client.IncompleteRead as exc:
            raise UpdateError(f"{url}: truncated response ({len(exc.partial)} bytes, "
                              f"{exc.expected} more were announced)") from None
        except (http.client.HTTPException, ssl.SSLError, OSError) as exc:
            raise UpdateError(f"{url}: {type(exc).__name__}: {exc}") from None

    def _read(self, url: str, response: Any) -> bytes:
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > self.max_bytes:
            raise UpdateError(f"{url}: the response is {int(length)} bytes, more than the "
                              f"limit of {self.max_bytes}")
        parts: list[bytes] = []
        size = 0
        while True:
            self._remaining(url)  # a server that sends slowly still ends at the deadline
            chunk = response.read1(CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                raise UpdateError(f"{url}: the response is larger than the limit of "
                                  f"{self.max_bytes} bytes")
            parts.append(chunk)
        body = b"".join(parts)
        if length and length.isdigit() and len(body) < int(length):
            raise UpdateError(f"{url}: truncated response ({len(body)} of {length} bytes)")
        return body

    def text(self, url: str, accept: str = "*/*") -> str:
        """The body of `url` as UTF-8 text."""
        body = self.get(url, accept)
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            raise UpdateError(f"{url}: the response is not UTF-8 text") from None

