"""The one way Sapa's server sends HTTP requests out: catalogue harvests, social networks, metrics.

Addresses come from people (a catalogue's address, a Mastodon or Bluesky server), so a
request must never reach the server's own network: `127.0.0.1`, the cloud's metadata
address `169.254.169.254`, the LAN.

- Every connection resolves the host once (`resolve`, replaced by tests to play DNS) and
  checks every address: global (public internet) addresses pass, and so do addresses in a
  range the admin listed in `SAPA_OUTBOUND_ALLOW` (a SLiMS on the library's LAN). Anything
  else is refused before a byte is sent (`Refused`).
- The socket is opened to the address that was checked, never to the name again, so a DNS
  answer that changes between the check and the connection (rebinding) changes nothing.
  TLS still checks the certificate against the host name (SNI and the Host header are the
  name's). This is done in the connection pool's network backend, so it holds for every
  connection, including one made for a redirect.
- Redirects are followed here (`send`), at most `max_redirects`, http and https only.
- Proxies from the environment are not used: a proxy would resolve names itself.
- Failures are `OutboundError`s with a translated message in general words ("could not reach
  the server", "did not answer in time"): never the port's state, the answer's text or its
  `Location`.
"""

from __future__ import annotations

import ipaddress
import socket

import httpcore
import httpx
from django.conf import settings
from django.utils.translation import gettext as _

MAX_REDIRECTS = 5
# A name with many addresses: try at most this many before giving up.
MAX_ADDRESSES = 3
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)


class OutboundError(Exception):
    """No usable answer; `message` says why in the user's language, without the server's words."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Refused(OutboundError):
    """The address is not one Sapa may connect to (or not http/https): nothing was sent."""


class Unreachable(OutboundError):
    """The server could not be reached, broke the connection or did not answer in time."""


def refused_message() -> str:
    return _(
        "Sapa does not connect to this address: it is on the server's own or a private network. "
        "If it is your library's own server, ask the administrator to allow its network."
    )


def unreachable_message() -> str:
    return _("The server could not be reached. Check the address, or try again later.")


def timeout_message() -> str:
    return _("The server did not answer in time. Try again later.")


def allowed_networks() -> list:
    """The ranges the admin allowed (settings.SAPA_OUTBOUND_ALLOW: ranges or their text)."""
    return [ipaddress.ip_network(n) for n in getattr(settings, "SAPA_OUTBOUND_ALLOW", ())]


def is_allowed(address: str) -> bool:
    """True for a global address, or one inside an allowed range.

    An IPv6 address that carries an IPv4 one (`::ffff:127.0.0.1`, 6to4, Teredo, NAT64) is
    judged by the IPv4 address it leads to.
    """
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            ip = ip.teredo[1]
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in network for network in allowed_networks()):
        return True
    return ip.is_global and not ip.is_multicast


def resolve(host: str, port: int) -> list[str]:
    """The host's addresses, in the system resolver's order (an address is its own)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return []
    return list(dict.fromkeys(info[4][0] for info in infos))


def vetted_addresses(host: str, port: int) -> list[str]:
    """The addresses to connect to: all of the host's, each allowed; `Refused` if any is not.

    One address Sapa may not reach is enough to refuse the name: a name that points both out
    and in is not an ordinary server's.
    """
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolve(host, port)
    if not addresses:
        raise httpcore.ConnectError("name not found")
    if not all(is_allowed(a) for a in addresses):
        raise Refused(refused_message())
    return addresses[:MAX_ADDRESSES]


class _CheckedBackend(httpcore.SyncBackend):
    """httpcore's socket backend, opening each connection to an address that was checked."""

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        failure = None
        for address in vetted_addresses(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc
        raise failure

    def connect_unix_socket(self, *args, **kwargs):  # pragma: no cover - never configured
        raise Refused(refused_message())


class CheckedTransport(httpx.HTTPTransport):
    """httpx's transport with the checked backend (no proxy, no Unix socket)."""

    def __init__(self, *, limits: httpx.Limits | None = None):
        super().__init__(limits=limits or DEFAULT_LIMITS)
        pool = self._pool
        # httpx builds the pool; only its network backend is swapped. Fails loudly if a new
        # httpx/httpcore moves it (tests/security/test_outbound.py would fail too).
        if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
            raise RuntimeError("httpcore's ConnectionPool changed: update sapa.core.outbound")
        pool._network_backend = _CheckedBackend()


def client(
    *,
    timeout: httpx.Timeout | float,
    headers: dict | None = None,
    limits: httpx.Limits | None = None,
) -> httpx.Client:
    """An httpx client whose every connection goes through the checks above.

    It follows no redirects by itself (`send` does, checking each) and ignores proxy variables.
    """
    return httpx.Client(
        transport=CheckedTransport(limits=limits),
        timeout=timeout,
        headers=headers,
        follow_redirects=False,
        trust_env=False,
    )


def check_url(url: str | httpx.URL) -> httpx.URL:
    """The URL, when it is an http or https address with a host; `Refused` otherwise."""
    try:
        parsed = httpx.URL(str(url))
    except (httpx.InvalidURL, TypeError, ValueError):
        raise Refused(_("This is not a web address Sapa can use.")) from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise Refused(_("Only http:// and https:// addresses can be used."))
    return parsed


def send(
    http: httpx.Client, method: str, url: str, *, max_redirects: int = 0, **kwargs
) -> httpx.Response:
    """Send a request and return the answer, following at most `max_redirects` redirects.

    Every hop is checked (the scheme here, the addresses when connecting). A redirect beyond
    the limit is returned as it is. Network failures become `Unreachable`, with a message
    that tells nothing of what was (or was not) listening there.
    """
    request = http.build_request(method, check_url(url), **kwargs)
    for hop in range(max_redirects + 1):
        try:
            response = http.send(request, follow_redirects=False)
        except httpx.TimeoutException:
            raise Unreachable(timeout_message()) from None
        except httpx.HTTPError:
            raise Unreachable(unreachable_message()) from None
        if not response.is_redirect or hop == max_redirects or response.next_request is None:
            return response
        request = response.next_request
        response.close()
        if request.url.scheme not in ("http", "https"):
            raise Refused(_("The server sent Sapa on to an address it does not follow."))
    return response  # pragma: no cover - the loop returns
