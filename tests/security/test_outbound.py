"""Outbound requests never reach the server's own network (issue 11, item 3).

Catalogue harvests and social channels fetch addresses that staff type in. Real local
servers stand for the server's own services (on 127.0.0.1) and for "the internet": DNS is
played by replacing `sapa.core.outbound.resolve`, and a public address is carried to a local
server by a stand-in for `socket.create_connection` (the one call that leaves the process).
"""

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import respx
from django.urls import reverse
from django.utils import translation

from sapa.catalogue import services as catalogue
from sapa.catalogue.models import Acquisition, CatalogueSource, RunStatus, SourceKind
from sapa.config import ConfigError, check_environment, parse_networks
from sapa.core import outbound
from sapa.social import services as social
from sapa.social.models import Network

pytestmark = pytest.mark.django_db

PUBLIC = "93.184.216.34"  # a global address: the stand-in for "somewhere on the internet"
REFUSED = "Sapa does not connect to this address"
UNREACHABLE = "The server could not be reached"

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>OPAC</title><link>http://opac.example.id</link>
<description>Koleksi terbaru</description>
<item><title>{title}</title><link>http://opac.example.id/index.php?p=show_detail&amp;id=1</link>
<enclosure url="{cover}" type="image/jpeg" length="1"/>
<pubDate>Mon, 03 Mar 2025 09:15:00 +0700</pubDate></item>
</channel></rss>"""


class FakeServer:
    """A local HTTP server: `routes[path] = (status, headers, body)`; keeps the paths asked."""

    def __init__(self, default=(200, {}, b"secret-internal-answer")):
        self.requests: list[str] = []
        self.routes: dict[str, tuple] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                server.requests.append(self.path)
                path = self.path.split("?", 1)[0]
                status, headers, body = server.routes.get(path, default)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer  # noqa: N815

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


@pytest.fixture
def internal():
    """A service on the server's own network (an admin page, a metadata service)."""
    with FakeServer() as server:
        yield server


@pytest.fixture
def internet():
    """A public catalogue, reached at PUBLIC by a stand-in for the socket call."""
    with FakeServer() as server:
        yield server


@pytest.fixture
def network(monkeypatch, internet):
    """DNS (`names`: host -> addresses, or a list of answers in turn) and the internet.

    Connections to PUBLIC go to the `internet` server; every address connected to is kept.
    """

    class Network:
        names: dict = {}
        connected: list = []

    def resolve(host, port):
        answer = Network.names.get(host, [])
        if answer and isinstance(answer[0], list):  # answers in turn: rebinding
            return answer.pop(0) if len(answer) > 1 else answer[0]
        return answer

    real_connect = socket.create_connection

    def create_connection(address, *args, **kwargs):
        Network.connected.append(address[0])
        if address[0] == PUBLIC:
            address = ("127.0.0.1", internet.port)
        return real_connect(address, *args, **kwargs)

    monkeypatch.setattr(outbound, "resolve", resolve)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return Network


@pytest.fixture(autouse=True)
def _english_and_nothing_allowed(settings):
    settings.SAPA_OUTBOUND_ALLOW = []  # the default: no private range allowed
    with translation.override("en"):
        yield


def harvest(library, url, kind=SourceKind.OAI_PMH):
    source = CatalogueSource.objects.create(
        library=library, name="Katalog", kind=kind, base_url=url, metadata_prefix="oai_dc"
    )
    run = catalogue.new_harvest_run(source)
    return catalogue.run_harvest(run.pk)


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- Harvest addresses ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:{port}/oai",
        "http://[::1]:{port}/oai",
        "http://[::ffff:127.0.0.1]:{port}/oai",
        "http://localhost:{port}/oai",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3:{port}/oai",
        "http://192.168.1.10/oai",
    ],
)
def test_harvest_of_the_servers_own_network_is_refused(library, internal, url):
    run = harvest(library, url.format(port=internal.port))
    assert run.status == RunStatus.FAILED
    reason = run.errors[0]["reason"]
    assert reason.startswith(REFUSED), reason
    assert internal.requests == []  # nothing was sent


def test_open_and_closed_ports_give_the_same_answer(library, internal, settings):
    """Even where the admin allowed the range, a message never tells what listens on a port."""
    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "127.0.0.0/8")
    not_http = socket.socket()
    not_http.bind(("127.0.0.1", 0))
    not_http.listen()

    def hang_up():
        conn, _ = not_http.accept()
        conn.sendall(b"SSH-2.0-OpenSSH_9.2\r\n")
        conn.close()

    threading.Thread(target=hang_up, daemon=True).start()
    try:
        closed = harvest(library, f"http://127.0.0.1:{closed_port()}/oai").errors[0]["reason"]
        other = harvest(library, f"http://127.0.0.1:{not_http.getsockname()[1]}/oai").errors[0][
            "reason"
        ]
    finally:
        not_http.close()
    assert closed == other
    assert closed.startswith(UNREACHABLE)
    for leak in ("Errno", "refused", "ConnectError", "RemoteProtocolError", "SSH"):
        assert leak not in closed


def test_a_redirect_from_a_public_catalogue_to_the_servers_own_network_is_refused(
    library, network, internet, internal
):
    network.names = {"opac.example.id": [PUBLIC]}
    target = f"http://127.0.0.1:{internal.port}/admin/secret"
    internet.routes["/oai"] = (302, {"Location": target}, b"")

    run = harvest(library, "http://opac.example.id/oai")

    assert internet.requests  # the public catalogue was asked
    assert internal.requests == []  # the redirect was not followed
    reason = run.errors[0]["reason"]
    assert reason.startswith(REFUSED)
    assert "127.0.0.1" not in reason and "secret" not in reason  # no Location


def test_a_redirect_between_public_addresses_is_followed_a_few_times(library, network, internet):
    network.names = {"opac.example.id": [PUBLIC], "www.opac.example.id": [PUBLIC]}
    moved = f"http://www.opac.example.id:{internet.port}/opac/index.php?search=search&keywords=&rss=true"
    internet.routes["/index.php"] = (301, {"Location": moved}, b"")
    internet.routes["/opac/index.php"] = (
        200,
        {"Content-Type": "application/rss+xml"},
        FEED.format(title="Bumi Manusia", cover="https://x.id/1.jpg").encode(),
    )
    run = harvest(library, f"http://opac.example.id:{internet.port}/", kind=SourceKind.SLIMS_RSS)
    assert run.status == RunStatus.DONE, run.errors
    assert Acquisition.objects.get(library=library).title == "Bumi Manusia"

    internet.routes["/loop"] = (302, {"Location": "/loop"}, b"")
    run = harvest(library, f"http://opac.example.id:{internet.port}/loop")
    assert run.errors[0]["reason"] == "The catalogue keeps redirecting. Check the address."
    assert internet.requests.count("/loop?verb=ListRecords&metadataPrefix=oai_dc") == 1
    assert (
        len([p for p in internet.requests if p.startswith("/loop")]) == outbound.MAX_REDIRECTS + 1
    )


def test_dns_rebinding_cannot_move_the_connection(library, network, internet, internal):
    """The name is checked once and the socket opened to that address: a second DNS answer
    pointing at the server itself is never used."""
    internet.routes["/index.php"] = (200, {}, FEED.format(title="Dari internet", cover="").encode())
    internal.routes["/index.php"] = (
        200,
        {},
        FEED.format(title="RAHASIA internal", cover="").encode(),
    )
    # `localhost` is what the system's own resolver says is 127.0.0.1; ours says PUBLIC first.
    network.names = {"localhost": [[PUBLIC], ["127.0.0.1"]]}

    run = harvest(library, f"http://localhost:{internal.port}/", kind=SourceKind.SLIMS_RSS)

    assert run.status == RunStatus.DONE, run.errors
    assert list(Acquisition.objects.values_list("title", flat=True)) == ["Dari internet"]
    assert internal.requests == []
    assert network.connected == [PUBLIC]


def test_the_allow_list_lets_a_listed_network_through_and_no_other(library, internal, settings):
    internal.routes["/index.php"] = (200, {}, FEED.format(title="Bumi Manusia", cover="").encode())
    url = f"http://127.0.0.1:{internal.port}/"

    settings.SAPA_OUTBOUND_ALLOW = parse_networks(
        "SAPA_OUTBOUND_ALLOW", "10.0.0.0/8,192.168.1.0/24"
    )
    assert harvest(library, url, kind=SourceKind.SLIMS_RSS).errors[0]["reason"].startswith(REFUSED)
    assert internal.requests == []

    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "10.0.0.0/8,127.0.0.0/8")
    run = harvest(library, url, kind=SourceKind.SLIMS_RSS)
    assert run.status == RunStatus.DONE, run.errors
    assert Acquisition.objects.get(library=library).title == "Bumi Manusia"


def test_the_allow_list_is_checked_at_start(monkeypatch):
    assert parse_networks("SAPA_OUTBOUND_ALLOW", "") == []
    for bad in ("10.0.0.1/8", "intranet", "10.0.0.0/33"):
        monkeypatch.setenv("SAPA_OUTBOUND_ALLOW", bad)
        with pytest.raises(ConfigError, match="SAPA_OUTBOUND_ALLOW"):
            check_environment(connect=False)


@pytest.mark.parametrize(
    "cover",
    [
        "javascript:alert(document.cookie)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        " JavaScript:alert(1)",
    ],
)
def test_a_feed_cover_that_is_not_a_web_address_is_dropped(
    library, internal, settings, admin_client, cover
):
    """SLiMS's <enclosure url> becomes a link on the staff pages: only http and https (issue 11, item 9)."""
    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "127.0.0.0/8")
    internal.routes["/index.php"] = (
        200,
        {},
        FEED.format(title="Bumi Manusia", cover=cover).encode(),
    )
    run = harvest(library, f"http://127.0.0.1:{internal.port}/", kind=SourceKind.SLIMS_RSS)
    assert run.status == RunStatus.DONE, run.errors
    assert Acquisition.objects.get(library=library).cover_url == ""
    page = admin_client.get(reverse("catalogue-acquisitions", args=[library.slug])).content.decode()
    assert "Bumi Manusia" in page and "alert(" not in page and "data:text" not in page


def test_a_feed_cover_on_the_web_is_kept(library, internal, settings):
    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "127.0.0.0/8")
    internal.routes["/index.php"] = (
        200,
        {},
        FEED.format(title="Bumi Manusia", cover="https://opac.example.id/sampul/1.jpg").encode(),
    )
    harvest(library, f"http://127.0.0.1:{internal.port}/", kind=SourceKind.SLIMS_RSS)
    assert (
        Acquisition.objects.get(library=library).cover_url == "https://opac.example.id/sampul/1.jpg"
    )


# --- Channels' servers -------------------------------------------------------------------------


def mastodon(library, admin_user, server_url):
    return social.create_channel(
        library,
        network=Network.MASTODON,
        name="Mastodon",
        by=admin_user,
        credentials={"access_token": "masto-token"},
        server_url=server_url,
    )


@pytest.mark.parametrize(
    "server",
    [
        "http://127.0.0.1:{port}",
        "http://169.254.169.254",
        "http://10.0.0.7:{port}",
        "http://localhost:{port}",
    ],
)
def test_a_channel_server_on_the_servers_own_network_is_refused(
    library, admin_user, internal, server
):
    channel = mastodon(library, admin_user, server.format(port=internal.port))
    ok, message = social.test_connection(channel, by=admin_user)
    assert not ok
    assert message.startswith(REFUSED)
    assert internal.requests == []  # the token went nowhere


def test_a_channel_server_error_shows_no_answer_text(library, admin_user, internal, settings):
    """A server the admin allowed answers with a page: its words are not shown back."""
    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "127.0.0.0/8")
    internal.routes["/api/v1/accounts/verify_credentials"] = (
        404,
        {"Content-Type": "text/html"},
        b"<h1>Jenkins: secret-internal-answer</h1>",
    )
    channel = mastodon(library, admin_user, f"http://127.0.0.1:{internal.port}")
    ok, message = social.test_connection(channel, by=admin_user)
    assert not ok
    assert "secret-internal-answer" not in message and "Jenkins" not in message
    assert "404" in message


def test_a_channel_connection_failure_does_not_tell_the_port_state(library, admin_user, settings):
    settings.SAPA_OUTBOUND_ALLOW = parse_networks("SAPA_OUTBOUND_ALLOW", "127.0.0.0/8")
    channel = mastodon(library, admin_user, f"http://127.0.0.1:{closed_port()}")
    ok, message = social.test_connection(channel, by=admin_user)
    assert not ok
    assert message.startswith(UNREACHABLE)
    assert "Errno" not in message and "refused" not in message


def test_the_networks_still_answer_through_the_helper():
    """The shared client is the checked one (respx stands in for the network itself)."""
    from sapa.social.connectors.base import shared_client

    http = shared_client()
    assert isinstance(http._transport, outbound.CheckedTransport)
    assert not http.follow_redirects and not http._mounts  # no redirects, no proxies
    with respx.mock() as router:
        router.get("https://mastodon.example/api/v2/instance").respond(200, json={})
        assert http.get("https://mastodon.example/api/v2/instance").status_code == 200
