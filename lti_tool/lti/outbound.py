"""Every request the tool makes to a platform, through one guarded ``requests`` session.

The URLs the tool fetches (openid-configuration, registration endpoint, key sets, token,
AGS and NRPS endpoints) come from platforms, or from whoever holds a registration link.
So that none of them can make the tool probe the network it runs in:

* the address actually connected to is checked, after DNS resolution (a name that
  resolves to a private, loopback, link-local or otherwise non-public address is
  refused, and so is one that changes its answer between check and use), unless its
  network is allowed (``LTI_OUTBOUND_ALLOWED_NETWORKS``, for an LMS on campus);
* redirects are never followed (a redirect is an error, like a refused address);
* every request has a time-out and every answer a size cap;
* proxies and credentials from the environment are ignored (``REQUESTS_CA_BUNDLE`` is
  honoured, for platforms whose certificates an institution's own CA signs).

Failures raise ``OutboundError`` (a ``requests.RequestException``) whose message is
fit for logs; callers show people only a short reason.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Sequence

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

TIMEOUT = (5, 10)  # seconds to connect, seconds between bytes of the answer
MAX_RESPONSE_BYTES = 1024 * 1024  # key sets and configurations are a few KB
USER_AGENT = "lti-tool (pylti1p3)"


class OutboundError(requests.RequestException):
    """A request the tool refused to make or to read; the message is for logs only."""


def address_allowed(address: str, allowed: Sequence[Network]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if any(ip in network for network in allowed):
        return True
    return ip.is_global and not ip.is_multicast


def _guarded(base: type[HTTPConnection], allowed: Sequence[Network]) -> type[HTTPConnection]:
    class GuardedConnection(base):  # type: ignore[valid-type, misc]
        def _new_conn(self) -> socket.socket:
            sock = super()._new_conn()
            peer = sock.getpeername()[0]
            if not address_allowed(peer, allowed):
                sock.close()
                raise OutboundError(
                    f"{self.host} resolves to {peer}, which is not a public address "
                    "(allow its network with LTI_OUTBOUND_ALLOWED_NETWORKS)"
                )
            return sock

    return GuardedConnection


class GuardedAdapter(HTTPAdapter):
    """Connection pools whose connections check the address they reached."""

    def __init__(self, allowed: Sequence[Network]) -> None:
        self._allowed = list(allowed)
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        http_connection = _guarded(HTTPConnection, self._allowed)
        https_connection = _guarded(HTTPSConnection, self._allowed)

        class HTTPPool(HTTPConnectionPool):
            ConnectionCls = http_connection

        class HTTPSPool(HTTPSConnectionPool):
            ConnectionCls = https_connection

        self.poolmanager.pool_classes_by_scheme = {"http": HTTPPool, "https": HTTPSPool}


def _refusal_in(error: BaseException) -> OutboundError | None:
    """The address refusal that urllib3 and requests wrapped as a connection error, if any."""
    seen: list[BaseException] = [error]
    for _ in range(32):  # wrapped a few levels deep; never loop on a cycle
        if not seen:
            break
        current = seen.pop()
        if isinstance(current, OutboundError):
            return current
        seen.extend(arg for arg in current.args if isinstance(arg, BaseException))
        if current.__cause__ is not None:
            seen.append(current.__cause__)
    return None


class GuardedSession(requests.Session):
    """``requests.Session`` that never follows redirects and reads at most a capped answer."""

    def __init__(self, allowed: Sequence[Network], max_bytes: int = MAX_RESPONSE_BYTES) -> None:
        super().__init__()
        # No proxy or netrc from the environment (a proxy would hide the address reached),
        # but the CA bundle an operator names, as requests itself would read it.
        self.trust_env = False
        self.verify = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self.headers["User-Agent"] = USER_AGENT
        self._max_bytes = max_bytes
        adapter = GuardedAdapter(allowed)
        self.mount("http://", adapter)
        self.mount("https://", adapter)

    def request(self, method, url, *args, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", TIMEOUT)
        kwargs["allow_redirects"] = False
        kwargs["stream"] = True
        try:
            response = super().request(method, url, *args, **kwargs)
        except requests.ConnectionError as error:
            refused = _refusal_in(error)
            if refused is not None:
                raise refused from error
            raise
        try:
            if response.is_redirect or response.is_permanent_redirect:
                raise OutboundError(f"{url} answered with a redirect ({response.status_code})")
            response._content = self._read_capped(response, url)
        finally:
            response.close()
        return response

    def _read_capped(self, response: requests.Response, url: str) -> bytes:
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise OutboundError(f"{url} answered {declared} bytes, over {self._max_bytes}")
        body = response.raw.read(self._max_bytes + 1, decode_content=True)
        if len(body) > self._max_bytes:
            raise OutboundError(f"{url} answered more than {self._max_bytes} bytes")
        return body
