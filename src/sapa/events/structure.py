"""An event's questions, categories and speakers, kept in memory between requests.

The public page and every registration need them; they change only when staff
edit the event. Any change to a question, category or speaker touches the
event's `updated_at` (see signals.py), which is part of the key, so a stale
copy is never used. The cache is per process and bounded.
"""

from dataclasses import dataclass

from sapa.events.models import Category, Event, Question, Speaker

_MAX_ENTRIES = 512
_cache: dict[tuple, "EventStructure"] = {}


@dataclass(frozen=True)
class EventStructure:
    questions: tuple[Question, ...]
    categories: tuple[Category, ...]
    speakers: tuple[Speaker, ...]

    def category(self, pk) -> Category | None:
        for category in self.categories:
            if str(category.pk) == str(pk):
                return category
        return None


def event_structure(event: Event) -> EventStructure:
    key = (event.pk, event.created_at, event.updated_at)
    found = _cache.get(key)
    if found is None:
        found = EventStructure(
            questions=tuple(event.questions.all()),
            categories=tuple(event.categories.all()),
            speakers=tuple(event.speakers.all()),
        )
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[key] = found
    return found
