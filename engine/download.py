"""Downloads that stay bounded and stoppable whatever the server does.

``urllib`` reads a body with blocking socket reads: a server that sends one byte every half
second keeps a 64 KiB read blocked for hours, and nothing limits how much an endless body or
a 2 GB Content-Length makes us buffer. Here the HTTP(S) connection's socket gets a short
timeout once connected, and the response reads through ``_PolledReader``, which retries
after each timeout and calls ``check`` in between: a caller's cancel flag is seen within
POLL_SECONDS, and a connection that brings less than PROGRESS_BYTES in ``timeout``
seconds is given up. ``fetch`` caps the body at ``max_bytes``.
"""

from __future__ import annotations

import http.client
import io
import time
import urllib.request
from collections.abc import Callable

POLL_SECONDS = 0.2  # how often a blocked read looks at `check`: Cancel well within a second
PROGRESS_BYTES = 16 * 1024  # less than this in `timeout` seconds is a stalled (or dripping) server
CHUNK_BYTES = 64 * 1024


class DownloadError(OSError):
    """A download refused or given up: larger than expected, or stalled."""


class _Watchdog:
    """Calls the caller's ``check`` and watches the progress of the bytes received."""

    def __init__(self, check: Callable[[], None] | None, stall_seconds: float):
        self._check, self._stall_seconds = check, stall_seconds
        self.restart()

    def restart(self) -> None:
        self._since, self._bytes = time.monotonic(), 0

    def check(self) -> None:
        if self._check is not None:
            self._check()
        if time.monotonic() - self._since > self._stall_seconds:
            raise DownloadError(
                f"the server sent less than {PROGRESS_BYTES // 1024} KiB in "
                f"{self._stall_seconds:g} s: it has stalled"
            )

    def received(self, count: int) -> None:
        self._bytes += count
        if self._bytes >= PROGRESS_BYTES or count == 0:  # enough, or the end
            self.restart()


class _PolledReader(io.RawIOBase):
    """Reads a socket whose timeout is short, retrying after each timeout; socket.makefile's
    reader cannot be read again once a read has timed out."""

    def __init__(self, sock, watchdog: _Watchdog):
        super().__init__()
        self._sock, self._watchdog = sock, watchdog
        # Held only to keep the socket open until we close, as socket.makefile's readers do
        # (urllib closes the connection's socket object right after the headers).
        self._hold = sock.makefile("rb", buffering=0)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            self._watchdog.check()
            try:
                count = self._sock.recv_into(buffer)
            except TimeoutError:
                continue
            self._watchdog.received(count)
            return count

    def close(self) -> None:
        if not self.closed:
            self._hold.close()
        super().close()


class _PolledSocket:
    """What http.client.HTTPResponse needs of a socket: ``makefile``, here a polled one."""

    def __init__(self, sock, watchdog: _Watchdog):
        self._sock, self._watchdog = sock, watchdog

    def makefile(self, mode: str = "rb", *args, **kwargs):
        return io.BufferedReader(_PolledReader(self._sock, self._watchdog))


def _polled(connection_class):
    class Polled(connection_class):
        def __init__(self, *args, watchdog: _Watchdog, **kwargs):
            super().__init__(*args, **kwargs)
            self._watchdog = watchdog

        def connect(self):
            super().connect()  # within the connection's own timeout (TLS included)
            self.sock.settimeout(POLL_SECONDS)
            self._watchdog.restart()

        def response_class(self, sock, *args, **kwargs):
            return http.client.HTTPResponse(_PolledSocket(sock, self._watchdog), *args, **kwargs)

    return Polled


def _opener(watchdog: _Watchdog) -> urllib.request.OpenerDirector:
    """urllib's opener, its HTTP and HTTPS connections polled (file:// URLs as usual)."""
    plain, secure = _polled(http.client.HTTPConnection), _polled(http.client.HTTPSConnection)

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):
            return self.do_open(plain, req, watchdog=watchdog)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):
            return self.do_open(secure, req, watchdog=watchdog)

    return urllib.request.build_opener(HTTPHandler, HTTPSHandler)


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float = 30.0,
    check: Callable[[], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """The body at ``url``, at most ``max_bytes`` of it, else DownloadError.

    ``timeout`` bounds connecting and each stretch without PROGRESS_BYTES of data.
    ``check()`` is called at least every POLL_SECONDS while reading from HTTP(S), and
    between chunks; it stops the download by raising. ``progress(done, total)`` follows
    each chunk (total 0: not announced). urllib's errors (URLError, HTTPError, OSError,
    http.client.HTTPException) pass through.
    """
    watchdog = _Watchdog(check, timeout)
    with _opener(watchdog).open(url, timeout=timeout) as response:
        try:
            total = int(response.headers.get("Content-Length") or 0)
        except ValueError:
            total = 0  # http.client then reads to the end: the cap below still holds
        if total > max_bytes:
            raise DownloadError(f"the server announces {total:,} bytes, not at most {max_bytes:,}")
        chunks, done = [], 0
        while True:
            if check is not None:
                check()  # for file:// too, which reads without the polled socket
            chunk = response.read(CHUNK_BYTES)
            if not chunk:
                if total and done != total:  # http.client's read(n) does not tell
                    raise DownloadError(f"the body ended after {done:,} of {total:,} bytes")
                return b"".join(chunks)
            done += len(chunk)
            if done > max_bytes:
                raise DownloadError(f"the body is larger than the {max_bytes:,} bytes expected")
            chunks.append(chunk)
            if progress is not None:
                progress(done, total)
