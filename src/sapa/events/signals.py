"""Keep Event.updated_at honest: a change to its questions, categories or speakers
is a change to the event (the public page's and the form's caches key on it)."""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sapa.events.models import Category, Event, Question, Speaker


def touch_event(sender, instance, **kwargs):
    Event.objects.filter(pk=instance.event_id).update(updated_at=timezone.now())


def connect():
    for model in (Question, Category, Speaker):
        post_save.connect(touch_event, sender=model, dispatch_uid=f"touch-event-{model.__name__}")
        post_delete.connect(touch_event, sender=model, dispatch_uid=f"touch-event-del-{model.__name__}")
