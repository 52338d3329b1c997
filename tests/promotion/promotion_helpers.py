"""Helpers of the promotion tests."""

from sapa.promotion import clicks
from sapa.promotion.models import ClickDay

PHONE_UA = ("Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/120.0.0.0 Mobile Safari/537.36")
INSTAGRAM_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                "Mobile/15E148 Instagram 309.0.0.40.113 (iPhone14,5; iOS 17_1; id_ID; id)")


def click_counts(link) -> tuple[int, int]:
    """(people, bots) counted for `link` so far (Redis counts moved to the database first)."""
    clicks.flush()
    visitors = bots = 0
    for day in ClickDay.objects.filter(link=link):
        visitors += day.visitors
        bots += day.bots
    return visitors, bots
