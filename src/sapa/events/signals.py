"""Keep Event.updated_at honest: a change to its questions, categories or speakers
is a change to the event (the public page's and the form's caches key on it)."""

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from sapa.events.models import Category, Event, Question, Speaker
from sapa.events.snapshots import forget_snapshot


def touch_event(sender, instance, **kwargs):
    Event.objects.filter(pk=instance.event_id).update(updated_at=timezone.now())
    forget_snapshot(instance.event_id)


def event_saved(sender, instance, **kwargs):
    forget_snapshot(instance.pk)


def connect():
    post_save.connect(event_saved, sender=Event, dispatch_uid="forget-event-snapshot")
    for model in (Question, Category, Speaker):
        post_save.connect(touch_event, sender=model, dispatch_uid=f"touch-event-{model.__name__}")
        post_delete.connect(touch_event, sender=model, dispatch_uid=f"touch-event-del-{model.__name__}")
