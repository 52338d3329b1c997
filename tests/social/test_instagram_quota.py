"""Instagram's publishing quota: read before each publish, a used-up quota defers the post
(not sent, not failed, the attempt not counted), and scheduling warns about a crowded day.

The quota comes from GET /{ig-user-id}/content_publishing_limit?fields=quota_usage,config,
answered as the Graph API documents it: {"data": [{"quota_usage": N, "config":
{"quota_total": 50, "quota_duration": 86400}}]}.
"""

from datetime import timedelta

import pytest
import respx
from django.urls import reverse
from django.utils import timezone, translation

from sapa.libraries.models import Role
from sapa.social import publishing, workflow
from sapa.social.connectors.instagram import InstagramConnector
from sapa.social.models import Network, PostVariant, VariantState
from sapa.social.validation import check_publishing_quota, validate_variant

pytestmark = pytest.mark.django_db

GRAPH = "https://graph.facebook.com/v21.0"
IG_USER = "17841400000000001"


@pytest.fixture(autouse=True)
def _english_and_no_wait(monkeypatch):
    monkeypatch.setattr(InstagramConnector, "poll_interval", 0)
    with translation.override("en"):
        yield


def quota_body(usage, total=50, duration=86400):
    return {"data": [{"quota_usage": usage, "config": {"quota_total": total, "quota_duration": duration}}]}


@pytest.fixture
def instagram(make_channel):
    return make_channel(Network.INSTAGRAM, name="Instagram Perpus")


@pytest.fixture
def ig_variant(instagram, make_variant, make_image):
    def make(text="Buku baru #bukubaru", at=None, state="scheduled"):
        return make_variant(instagram, text=text, media=[make_image(1080, 1080, alt="Sampul")], state=state,
                            at=at)

    return make


def test_used_up_quota_defers_the_post_without_sending_it(ig_variant, instagram):
    variant = ig_variant()
    # Sapa published one post 20 hours ago: the window frees 4 hours from now.
    earlier = ig_variant(text="Kemarin", state="approved")
    published_at = timezone.now() - timedelta(hours=20)
    PostVariant.objects.filter(pk=earlier.pk).update(state=VariantState.PUBLISHED, published_at=published_at,
                                                     external_id="1790")
    now = variant.scheduled_at + timedelta(seconds=5)
    with respx.mock(assert_all_called=False) as router:
        quota = router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json=quota_body(50))
        create = router.post(f"{GRAPH}/{IG_USER}/media").respond(200, json={"id": "1788"})
        publish = router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "1792"})
        assert publishing.publish(variant.pk, now=now) == VariantState.SCHEDULED
        assert not create.called and not publish.called
    request = quota.calls.last.request
    assert request.url.params["fields"] == "quota_usage,config"
    assert request.url.params["access_token"] == "EAAB-page-token"
    variant.refresh_from_db()
    assert variant.state == VariantState.SCHEDULED
    assert variant.attempts == 0  # a wait is not a failed attempt
    assert abs(variant.next_attempt_at - (published_at + timedelta(hours=24))) < timedelta(seconds=1)
    assert "allows 50 posts in 24 hours" in variant.error_message and "waits" in variant.error_message
    assert variant.post.revisions.filter(action="deferred_quota").exists()
    instagram.refresh_from_db()
    assert instagram.server_limits["quota_total"] == 50 and instagram.server_limits["quota_duration"] == 86400
    # Not due again before the window frees ...
    assert publishing.publish(variant.pk, now=now + timedelta(hours=1)) == "skipped"
    # ... and published once it has.
    later = variant.next_attempt_at + timedelta(seconds=1)
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json=quota_body(49))
        router.post(f"{GRAPH}/{IG_USER}/media").respond(200, json={"id": "1788"})
        router.get(f"{GRAPH}/1788").respond(200, json={"status_code": "FINISHED", "id": "1788"})
        router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "1792"})
        router.get(f"{GRAPH}/1792").respond(200, json={"permalink": "https://www.instagram.com/p/X/"})
        assert publishing.publish(variant.pk, now=later) == VariantState.PUBLISHED
    variant.refresh_from_db()
    assert variant.attempts == 1 and variant.external_id == "1792" and variant.error_message == ""


def test_quota_used_by_posts_made_elsewhere_looks_again_in_an_hour(ig_variant):
    variant = ig_variant()
    now = variant.scheduled_at + timedelta(seconds=5)
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json=quota_body(25, total=25))
        assert publishing.publish(variant.pk, now=now) == VariantState.SCHEDULED
    variant.refresh_from_db()
    assert variant.next_attempt_at == now + timedelta(hours=1)
    assert "allows 25 posts" in variant.error_message


def test_quota_left_publishes(ig_variant):
    variant = ig_variant()
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(200, json=quota_body(49))
        router.post(f"{GRAPH}/{IG_USER}/media").respond(200, json={"id": "1788"})
        router.get(f"{GRAPH}/1788").respond(200, json={"status_code": "FINISHED", "id": "1788"})
        router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "1792"})
        router.get(f"{GRAPH}/1792").respond(200, json={"permalink": "https://www.instagram.com/p/X/"})
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=5)) == "published"


def test_unreadable_quota_does_not_block_the_post(ig_variant):
    """A refusal to read the quota (a missing permission) leaves the decision to Instagram."""
    variant = ig_variant()
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(400, json={"error": {
            "message": "(#10) Application does not have permission for this action", "type": "OAuthException",
            "code": 10, "fbtrace_id": "A1"}})
        router.post(f"{GRAPH}/{IG_USER}/media").respond(200, json={"id": "1788"})
        router.get(f"{GRAPH}/1788").respond(200, json={"status_code": "FINISHED", "id": "1788"})
        router.post(f"{GRAPH}/{IG_USER}/media_publish").respond(200, json={"id": "1792"})
        router.get(f"{GRAPH}/1792").respond(200, json={"permalink": "https://www.instagram.com/p/X/"})
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=5)) == "published"


def test_expired_token_on_the_quota_read_holds_the_post_for_a_reconnect(ig_variant):
    variant = ig_variant()
    with respx.mock(assert_all_called=True) as router:
        router.get(f"{GRAPH}/{IG_USER}/content_publishing_limit").respond(400, json={"error": {
            "message": "Error validating access token", "type": "OAuthException", "code": 190}})
        assert publishing.publish(variant.pk, now=variant.scheduled_at + timedelta(seconds=5)) == "scheduled"
    variant.channel.refresh_from_db()
    assert variant.channel.status == "needs_reconnect"


def _schedule_many(instagram, make_variant, admin_user, at, count):
    for n in range(count):
        make_variant(instagram, text=f"Post {n}", state="approved", at=at + timedelta(minutes=n))
    for variant in PostVariant.objects.filter(channel=instagram, state=VariantState.APPROVED):
        PostVariant.objects.filter(pk=variant.pk).update(state=VariantState.SCHEDULED)


def test_scheduling_warns_when_the_day_has_more_posts_than_the_quota(instagram, make_variant, admin_user,
                                                                     make_image):
    at = timezone.now() + timedelta(days=2)
    instagram.server_limits = {"quota_total": 3, "quota_duration": 86400}
    instagram.save(update_fields=["server_limits"])
    _schedule_many(instagram, make_variant, admin_user, at, 3)
    fourth = make_variant(instagram, text="Post 4", media=[make_image()], state="approved",
                          at=at + timedelta(hours=5))
    [warning] = check_publishing_quota(fourth)
    assert warning.code == "publishing_quota" and not warning.is_error
    assert warning.params == {"network": "Instagram", "limit": 3, "count": 4, "hours": 24}
    assert warning.message == ("Instagram publishes at most 3 posts in 24 hours from one account; 4 are planned "
                               "in the same 24 hours as this one. Those over the limit wait until the window "
                               "frees: spread them over more days.")
    assert "publishing_quota" in [p.code for p in validate_variant(fourth)]
    # A warning, not a refusal: it can be scheduled.
    workflow.schedule(fourth, by=admin_user)
    # Two days later the window is clear.
    fourth.scheduled_at = at + timedelta(days=2)
    assert check_publishing_quota(fourth) == []
    # Within the quota: no warning.
    fourth.channel.server_limits = {"quota_total": 4, "quota_duration": 86400}
    fourth.scheduled_at = at + timedelta(hours=5)
    assert check_publishing_quota(fourth) == []


def test_the_default_quota_is_the_documented_50(instagram, make_variant, admin_user):
    at = timezone.now() + timedelta(days=2)
    _schedule_many(instagram, make_variant, admin_user, at, 50)
    extra = make_variant(instagram, text="Post 51", at=at + timedelta(hours=1))
    assert [p.params["limit"] for p in check_publishing_quota(extra)] == [50]


def test_the_warning_shows_when_scheduling_on_the_post_page(member_client, library, instagram, make_variant,
                                                            admin_user, make_image):
    at = timezone.now() + timedelta(days=2)
    instagram.server_limits = {"quota_total": 1, "quota_duration": 86400}
    instagram.save(update_fields=["server_limits"])
    _schedule_many(instagram, make_variant, admin_user, at, 1)
    variant = make_variant(instagram, text="Kedua", media=[make_image()], state="approved",
                           at=at + timedelta(hours=2))
    client = member_client(Role.STAFF)
    response = client.post(reverse("social-variant-schedule", kwargs={
        "slug": library.slug, "variant_id": variant.pk}), follow=True)
    assert response.status_code == 200
    variant.refresh_from_db()
    assert variant.state == VariantState.SCHEDULED
    shown = [str(m) for m in response.context["messages"]]
    with translation.override(client.user.language or "id"):
        expected = check_publishing_quota(variant)[0].message
    assert expected in shown
