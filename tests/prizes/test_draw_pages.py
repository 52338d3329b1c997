"""Draw rounds through the staff pages and the public page: prepare → drawn, the seed hidden
until the draw, one result per round, presentation one winner at a time, re-draws, tenancy."""

from datetime import timedelta

import pytest
from django.utils import timezone
from prize_helpers import add_prize, attend, ended_event_fixture, make_event, member, register, t  # noqa: F401

from sapa.libraries.models import AuditEntry, Role
from sapa.prizes import draw as algorithm
from sapa.prizes import services
from sapa.prizes.models import Draw, DrawState, Winner, WinnerState

pytestmark = pytest.mark.django_db


def _url(library, event, tail=""):
    return f"/staff/{library.slug}/events/{event.pk}/prizes/{tail}"


@pytest.fixture
def ready(ended_event):
    people = register(ended_event, 12)
    attend(people[:10])
    add_prize(ended_event, "Buku", variants=[("Perpustakaan Digital", 1), ("Konten Medsos", 1)], position=0)
    add_prize(ended_event, "Kaos", variants=[("S", 1), ("M", 1), ("L", 1), ("XL", 1)], position=1)
    add_prize(ended_event, "Mug", 2, position=2)
    return ended_event, people


def test_prepare_publishes_commitment_and_entries_but_never_the_seed(ready, admin_client, library, client):
    event, people = ready
    response = admin_client.post(_url(library, event, "draws/new/"), {
        "require_attended": "on", "exclude_staff": "on", "one_prize_per_person": "on", "claim_days": "7"})
    draw = Draw.objects.get(event=event)
    assert response.status_code == 302 and response["Location"].endswith(f"/prizes/draws/{draw.pk}/")
    assert draw.state == DrawState.PREPARED and draw.round == 1
    assert draw.winners_count == 8  # 8 prize units, 10 eligible
    assert len(draw.entries) == 10 and draw.entries == sorted(draw.entries)
    assert draw.commitment == algorithm.commitment(draw.seed)
    for page in (client.get(f"/undian/{draw.public_id}/"), client.get(f"/undian/{draw.public_id}/data.json"),
                 admin_client.get(_url(library, event, f"draws/{draw.pk}/")),
                 admin_client.get(_url(library, event, f"draws/{draw.pk}/present/"))):
        assert page.status_code == 200
        body = page.content.decode()
        assert draw.commitment in body
        assert draw.seed not in body
    public = client.get(f"/undian/{draw.public_id}/").content.decode()
    for person in people:  # no personal data on the public page
        assert person.name not in public and person.email not in public
    data = client.get(f"/undian/{draw.public_id}/data.json").json()
    assert "seed" not in data and "winners" not in data
    assert data["prizes"] == ["Buku", "Buku", "Kaos", "Kaos", "Kaos", "Kaos", "Mug", "Mug"]


def test_draw_fixes_the_winners_reveals_the_seed_and_cannot_run_again(ready, admin_client, library, client,
                                                                   django_capture_on_commit_callbacks):
    event, people = ready
    draw = services.prepare_draw(event)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(_url(library, event, f"draws/{draw.pk}/run/"))
    assert response.status_code == 302
    draw.refresh_from_db()
    assert draw.state == DrawState.DRAWN and draw.drawn_at
    expected = algorithm.select(draw.seed, draw.entries, draw.winners_count, draw.round)
    winners = list(draw.winners.order_by("position"))
    assert [w.entry for w in winners] == expected
    assert [w.prize.name for w in winners] == ["Buku", "Buku", "Kaos", "Kaos", "Kaos", "Kaos", "Mug", "Mug"]
    attended = {p.pk for p in people[:10]}
    assert {w.registration_id for w in winners} <= attended
    data = client.get(f"/undian/{draw.public_id}/data.json").json()
    assert data["seed"] == draw.seed and [w["entry"] for w in data["winners"]] == expected
    assert data["winners"][0]["name"] == services.short_name(winners[0].registration.name)
    assert algorithm.verify(data) == []
    page = client.get(f"/undian/{draw.public_id}/").content.decode()
    assert draw.seed in page and winners[0].registration.name not in page
    assert services.short_name(winners[0].registration.name) in page

    # A second click: the same result, nothing new, a message.
    again = admin_client.post(_url(library, event, f"draws/{draw.pk}/run/"), follow=True)
    assert t("This round had already been drawn; here is its result.") in again.content.decode()
    assert [w.entry for w in draw.winners.order_by("position")] == expected
    assert AuditEntry.objects.filter(action="draw.drawn").count() == 1
    # Every winner told once.
    from sapa.mail.models import Email

    assert Email.objects.filter(dedupe_key__startswith="prize-winner:").count() == 8


def test_short_names():
    assert services.short_name("Dewi Sartika") == "Dewi S."
    assert services.short_name("  Muhammad  Rizky   Pratama ") == "Muhammad P."
    assert services.short_name("Soekarno") == "Soekarno"


def test_presentation_reveals_winners_one_at_a_time_without_javascript(ready, admin_client, library):
    event, _people = ready
    draw = services.prepare_draw(event, winners_count=3)
    page = admin_client.get(_url(library, event, f"draws/{draw.pk}/present/")).content.decode()
    assert 'id="draw-now"' in page
    response = admin_client.post(_url(library, event, f"draws/{draw.pk}/run/"), {"present": "1"})
    assert response["Location"].endswith(f"/draws/{draw.pk}/present/")
    data = services.public_data(Draw.objects.get(pk=draw.pk))
    names = [w["name"] for w in data["winners"]]
    step0 = admin_client.get(_url(library, event, f"draws/{draw.pk}/present/")).content.decode()
    assert 'href="?shown=1"' in step0 and 'id="latest-name"' not in step0
    for k in range(1, 4):
        page = admin_client.get(_url(library, event, f"draws/{draw.pk}/present/?shown={k}")).content.decode()
        assert f'<p class="name" id="latest-name">{names[k - 1]}</p>' in page
        assert data["winners"][k - 1]["entry"] in page
        for later in data["winners"][k:]:
            assert later["entry"] not in page
        assert (f'href="?shown={k + 1}"' in page) == (k < 3)
    assert 'id="all-shown"' in page


def test_a_redraw_is_a_new_verifiable_round_without_earlier_winners(ready, client):
    event, _people = ready
    first, _ = services.run_draw(services.prepare_draw(event, winners_count=8))
    assert not services.available_slots(event)
    with pytest.raises(services.PrizeError):
        services.prepare_draw(event)
    # Two winners do not claim in time: their prizes come back.
    late = list(first.winners.order_by("position")[:2])
    Winner.objects.filter(pk__in=[w.pk for w in late]).update(claim_deadline=timezone.now() - timedelta(minutes=1))
    assert services.expire_unclaimed() == 2
    assert [p.name for p in services.available_slots(event)] == ["Buku", "Buku"]
    second = services.prepare_draw(event)
    assert second.round == 2 and second.commitment != first.commitment and second.salt != first.salt
    entered = set(second.entry_rows.values_list("registration_id", flat=True))
    assert not entered & set(first.winners.values_list("registration_id", flat=True))
    assert len(entered) == 2  # 10 attended, 8 won in round 1
    second, _ = services.run_draw(second)
    data = client.get(f"/undian/{second.public_id}/data.json").json()
    assert data["round"] == 2 and algorithm.verify(data) == []
    assert Winner.objects.filter(state=WinnerState.UNCLAIMED).count() == 2


def test_one_prepared_round_at_a_time(ready):
    event, _ = ready
    services.prepare_draw(event, winners_count=1)
    with pytest.raises(services.PrizeError) as refused:
        services.prepare_draw(event, winners_count=1)
    assert refused.value.code == "pending"


def test_staff_pages_render(ready, admin_client, library):
    event, _ = ready
    draw, _ = services.run_draw(services.prepare_draw(event))
    for tail in ("", "new/", f"draws/{draw.pk}/", "winners/"):
        assert admin_client.get(_url(library, event, tail)).status_code == 200, tail
    page = admin_client.get(f"/staff/{library.slug}/events/{event.pk}/registrations/").content.decode()
    assert _url(library, event) in page  # the event_nav hook


def test_prize_with_variants_through_the_form(ended_event, admin_client, library):
    response = admin_client.post(_url(library, ended_event, "new/"), {
        "name": "Kaos", "description": "", "quantity": "1", "position": "0",
        "variants_text": "S: 2\nM: 3\nXL"})
    assert response.status_code == 302
    prize = ended_event.prizes.get()
    assert prize.quantity == 6 and [(v.name, v.stock) for v in prize.variants.all()] == [("S", 2), ("M", 3), ("XL", 1)]
    bad = admin_client.post(_url(library, ended_event, f"{prize.pk}/"), {
        "name": "Kaos", "quantity": "1", "position": "0", "variants_text": "S: 2\nM: nol"})
    assert bad.status_code == 400
    assert t("Line %(n)d: write a name and a stock of at least 1, e.g. “XL: 5”.") % {"n": 2} in bad.content.decode()
    assert prize.variants.count() == 3


@pytest.mark.parametrize("tail", ["", "new/", "draws/1/", "draws/1/present/", "winners/", "winners/export/"])
def test_another_librarys_event_is_404(tail, ended_event, other_library, make_user, library):
    other = member(make_user, other_library, Role.ADMIN, email="admin-b2@example.org")
    assert other.get(_url(other_library, ended_event, tail)).status_code == 404
    assert other.get(_url(library, ended_event, tail)).status_code == 404


def test_another_librarys_draw_is_404(ready, make_user, other_library, library):
    event, _ = ready
    draw = services.prepare_draw(event)
    mine = make_event(other_library, slug="acara-b")
    other = member(make_user, other_library, Role.ADMIN, email="admin-b2@example.org")
    assert other.get(_url(other_library, mine, f"draws/{draw.pk}/")).status_code == 404
    assert other.post(_url(other_library, mine, f"draws/{draw.pk}/run/")).status_code == 404
    draw.refresh_from_db()
    assert draw.state == DrawState.PREPARED


def test_staff_role_may_draw_but_not_edit_prizes_or_export(ready, make_user, library):
    event, _ = ready
    staff = member(make_user, library, Role.STAFF)
    assert staff.get(_url(library, event)).status_code == 200
    assert staff.get(_url(library, event, "new/")).status_code == 404
    assert staff.get(_url(library, event, "winners/export/")).status_code == 404
    assert staff.post(_url(library, event, "draws/new/"), {"require_attended": "on",
                                                            "claim_days": "7"}).status_code == 302


def test_the_personal_page_shows_the_entry_before_and_after_the_draw(ready, client):
    event, people = ready
    draw = services.prepare_draw(event)
    entrant = people[0]
    entry = draw.entry_rows.get(registration=entrant).entry
    manage = f"/p/{entrant.public_id}/{entrant.manage_token}/"
    page = client.get(manage).content.decode()
    assert t("You are in the door prize draw. Your entry:") in page and entry in page
    public = client.get(f"/undian/{draw.public_id}/?entry={entry}").content.decode()
    assert f'<li class="mine">{entry}</li>' in public
    assert t("Your entry is in the list (highlighted).") in public
    assert t("This entry is not in the list.") in client.get(f"/undian/{draw.public_id}/?entry=abc").content.decode()
    draw, _ = services.run_draw(draw)
    winners = set(draw.winners.values_list("registration_id", flat=True))
    loser = next(p for p in people[:10] if p.pk not in winners)
    page = client.get(f"/p/{loser.public_id}/{loser.manage_token}/").content.decode()
    assert t("You took part in the door prize draw; this time you were not among the winners. Your entry:") in page
    winner = draw.winners.select_related("registration").get(position=1)
    page = client.get(f"/p/{winner.registration.public_id}/{winner.registration.manage_token}/").content.decode()
    assert f"/klaim/{winner.public_id}/{winner.claim_token}/" in page
    # Someone who was not eligible sees nothing of the prizes.
    outsider = people[11]
    assert t("Door prizes") not in client.get(f"/p/{outsider.public_id}/{outsider.manage_token}/").content.decode()


def test_an_event_without_prizes_says_to_add_one_not_that_all_were_drawn(ended_event, admin_client, library):
    """Issue 13, item 15: "No draw yet. Every prize has been drawn." when no prize exists."""
    page = admin_client.get(_url(library, ended_event)).content.decode()
    assert t("Add a prize first: a draw needs at least one prize.") in page
    assert t("Every prize has been drawn.") not in page and t("No draw yet.") not in page
    add_prize(ended_event, "Mug")
    page = admin_client.get(_url(library, ended_event)).content.decode()
    assert t("No draw yet.") in page and t("Add a prize first: a draw needs at least one prize.") not in page
