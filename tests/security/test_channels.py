"""A channel's credentials go only to the server they were typed for (issue 11, item 4).

The attack: an editor changes a channel's server address to a host of their own and
presses "test", and Sapa sends the stored token there. Only Mastodon and Bluesky take a
server address; changing it needs the credentials again, and credentials stored for one
server are never sent to another, whichever way the address changed. respx stands in for
the networks and for the editor's host (they live outside this machine).
"""

import html
from datetime import timedelta

import httpx
import pytest
import respx
from django.urls import reverse
from django.utils import timezone, translation

from sapa.libraries.models import Role
from sapa.social import publishing, services, workflow
from sapa.social.models import Channel, ChannelStatus, Network

pytestmark = pytest.mark.django_db

MASTO = "https://mastodon.example"
EVIL = "https://evil.example"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def editor(member_client):
    return member_client(Role.EDITOR)


@pytest.fixture
def mastodon(library, admin_user):
    return services.create_channel(
        library,
        network=Network.MASTODON,
        name="Mastodon",
        by=admin_user,
        credentials={"access_token": "masto-token"},
        server_url=MASTO,
        account_id="1",
        handle="perpus",
    )


@pytest.fixture
def bluesky(library, admin_user):
    return services.create_channel(
        library,
        network=Network.BLUESKY,
        name="Bluesky",
        by=admin_user,
        credentials={"identifier": "perpus.bsky.social", "app_password": "app-pass"},
        account_id="did:plc:perpus",
        handle="perpus.bsky.social",
    )


@pytest.fixture
def networks():
    """The real servers and the editor's host; every request to the editor's host is kept."""
    with respx.mock(assert_all_called=False) as router:
        router.get(f"{MASTO}/api/v1/accounts/verify_credentials").respond(
            200, json={"id": "1", "acct": "perpus"}
        )
        router.get("https://new.example/api/v1/accounts/verify_credentials").respond(
            200, json={"id": "7", "acct": "perpus"}
        )
        router.post("https://bsky.social/xrpc/com.atproto.server.createSession").respond(
            200, json={"accessJwt": "jwt", "did": "did:plc:perpus", "handle": "perpus.bsky.social"}
        )
        router.route(host="api.telegram.org").respond(
            200,
            json={
                "ok": True,
                "result": {"id": -100, "title": "Perpus", "username": "perpusa", "type": "channel"},
            },
        )
        router.evil = router.route(host="evil.example").respond(200, json={"id": "1", "acct": "x"})
        yield router


def edit_url(channel):
    return reverse(
        "social-channel-edit", kwargs={"slug": channel.library.slug, "channel_id": channel.pk}
    )


def press_test(channel):
    return reverse(
        "social-channel-test", kwargs={"slug": channel.library.slug, "channel_id": channel.pk}
    )


def form(channel, **changes):
    data = {
        "name": channel.name,
        "account_id": channel.account_id,
        "handle": channel.handle,
        "server_url": channel.server_url,
        "is_active": "on",
    }
    return {**data, **changes}


def page_errors(response) -> list[str]:
    """The server address field's errors, as the page shows them."""
    errors = response.context["form"].errors.get("server_url", [])
    page = html.unescape(response.content.decode())
    assert all(error in page for error in errors)
    return list(errors)


def translated(text: str) -> str:
    """The text in the language the pages speak by default (Indonesian)."""
    with translation.override("id"):
        return translation.gettext(text)


def sent_secrets(route) -> str:
    """Everything the editor's host received: addresses, headers and bodies."""
    return " ".join(
        f"{call.request.url} {dict(call.request.headers)} {call.request.content!r}"
        for call in route.calls
    )


def test_an_editor_cannot_point_the_stored_token_at_their_own_host(editor, mastodon, networks):
    response = editor.post(edit_url(mastodon), form(mastodon, server_url=EVIL))
    assert response.status_code == 200
    assert page_errors(response) == [
        translated(
            "A new server address needs the channel's credentials again: "
            "type them in below. The stored ones are never sent to another "
            "server."
        )
    ]
    mastodon.refresh_from_db()
    assert mastodon.server_url == MASTO

    editor.post(press_test(mastodon))
    assert not networks.evil.called
    assert any(call.request.url.host == "mastodon.example" for call in networks.calls)


def test_a_new_server_gets_only_the_credentials_typed_for_it(editor, mastodon, networks):
    response = editor.post(
        edit_url(mastodon),
        form(mastodon, server_url="https://new.example", access_token="new-token"),
    )
    assert response.status_code == 302
    mastodon.refresh_from_db()
    assert mastodon.server_url == "https://new.example"
    assert mastodon.credentials == {"access_token": "new-token"}

    editor.post(press_test(mastodon))
    call = networks.calls.last
    assert call.request.url.host == "new.example"
    assert call.request.headers["Authorization"] == "Bearer new-token"
    assert all("masto-token" not in str(c.request.headers) for c in networks.calls)


def test_bluesky_needs_both_its_login_and_app_password_for_a_new_server(editor, bluesky, networks):
    response = editor.post(
        edit_url(bluesky), form(bluesky, server_url=EVIL, app_password="new-pass")
    )
    assert response.status_code == 200
    bluesky.refresh_from_db()
    assert bluesky.server_url == ""
    editor.post(press_test(bluesky))
    assert not networks.evil.called

    response = editor.post(
        edit_url(bluesky),
        form(
            bluesky,
            server_url="https://pds.example",
            identifier="perpus.example",
            app_password="new-pass",
        ),
    )
    assert response.status_code == 302
    bluesky.refresh_from_db()
    assert bluesky.credentials == {"identifier": "perpus.example", "app_password": "new-pass"}


def test_only_mastodon_and_bluesky_take_a_server_address(library, admin_client, networks):
    response = admin_client.post(
        reverse("social-channel-create", kwargs={"slug": library.slug}),
        {
            "network": Network.TELEGRAM,
            "name": "Telegram",
            "account_id": "@perpusa",
            "is_active": "on",
            "server_url": EVIL,
            "bot_token": "123:ABC",
        },
    )
    assert response.status_code == 200
    assert page_errors(response) == [
        translated("Only Mastodon and Bluesky channels take a server address. Leave it empty.")
    ]
    assert not Channel.objects.filter(network=Network.TELEGRAM).exists()


@pytest.mark.parametrize(
    "network, credentials",
    [
        (Network.TELEGRAM, {"bot_token": "123:ABC"}),
        (Network.FACEBOOK_PAGE, {"access_token": "EAAB-page-token"}),
        (Network.X, {"access_token": "x-user-token"}),
    ],
)
def test_a_server_address_stored_for_another_network_is_never_used(
    library, admin_user, editor, networks, network, credentials
):
    """A channel saved with an address before this rule (or by another path) keeps its
    network's own address."""
    channel = services.create_channel(
        library,
        network=network,
        name="Kanal",
        by=admin_user,
        credentials=credentials,
        account_id="1",
        server_url=EVIL,
    )
    for host in ("graph.facebook.com", "api.x.com"):
        networks.route(host=host).respond(
            200,
            json={
                "id": "1",
                "name": "Perpus",
                "username": "perpus",
                "data": {"id": "1", "username": "perpus"},
            },
        )
    editor.post(press_test(channel))
    assert not networks.evil.called, sent_secrets(networks.evil)
    assert networks.calls  # the network itself was asked


def test_credentials_stored_for_one_server_are_not_sent_to_another(
    library, editor, mastodon, bluesky, networks
):
    """Whatever changed the address (not this form), the stored token and session stay home."""
    editor.post(press_test(bluesky))  # a Bluesky session is now cached
    Channel.objects.filter(pk__in=[mastodon.pk, bluesky.pk]).update(server_url=EVIL)

    for channel in (mastodon, bluesky):
        channel.refresh_from_db()
        with translation.override("en"):  # the page request above switched to Indonesian
            ok, message = services.test_connection(channel)
        assert not ok
        assert message == "The channel's server address changed: type its credentials in again."
    assert not networks.evil.called, sent_secrets(networks.evil)


def test_a_publish_after_the_address_changed_waits_for_new_credentials(
    library, admin_user, mastodon, networks
):
    post = services.create_post(library, by=admin_user, title="Kabar")
    variant = services.add_variant(
        post,
        mastodon,
        by=admin_user,
        text="Halo",
        scheduled_at=timezone.now() + timedelta(minutes=1),
    )
    workflow.submit_for_review(post, by=admin_user)
    workflow.approve(post, by=admin_user)
    variant.refresh_from_db()
    workflow.schedule(variant, by=admin_user)
    Channel.objects.filter(pk=mastodon.pk).update(server_url=EVIL)

    publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=1))

    assert not networks.evil.called, sent_secrets(networks.evil)
    mastodon.refresh_from_db()
    assert mastodon.status == ChannelStatus.NEEDS_RECONNECT


def test_channel_errors_never_show_the_hosts_answer(library, admin_user, networks):
    """The page a host answers with is not copied into the error staff see."""
    channel = services.create_channel(
        library,
        network=Network.MASTODON,
        name="M",
        by=admin_user,
        credentials={"access_token": "t"},
        server_url="https://odd.example",
    )
    networks.get("https://odd.example/api/v1/accounts/verify_credentials").mock(
        return_value=httpx.Response(403, text="<html>internal admin console: secret</html>")
    )
    ok, message = services.test_connection(channel)
    assert not ok
    assert "secret" not in message and "console" not in message
    assert "403" in message
