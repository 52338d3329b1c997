"""Queueing mail: rendered in the right language, deduplicated by key."""

from django.core import mail

from sapa.mail import services
from sapa.mail.models import Email, EmailState


def _invite_mail(library, admin_user, **kwargs):
    return services.send_templated(
        to="baru@example.org", template="libraries/email/invitation", library=library,
        context={"inviter": admin_user, "link": "http://x/accounts/invite/abc/", "role": "Editor",
                 "days": 7},
        **kwargs,
    )


def test_same_dedupe_key_makes_one_email(library, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _invite_mail(library, admin_user, dedupe_key="invite:1")
        second = _invite_mail(library, admin_user, dedupe_key="invite:1")
        third = _invite_mail(library, admin_user, dedupe_key="invite:2")
    assert first is not None and second is None and third is not None
    assert Email.objects.count() == 2
    assert len(mail.outbox) == 2


def test_nothing_is_sent_before_the_transaction_commits(library, admin_user,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email = _invite_mail(library, admin_user)
        assert mail.outbox == []
    assert len(callbacks) == 1
    assert Email.objects.get(pk=email.pk).state == EmailState.QUEUED


def test_rendered_in_indonesian_by_default_or_in_the_given_language(library, admin_user):
    library.email = "perpus@example.org"
    library.save()
    indonesian = _invite_mail(library, admin_user)
    english = _invite_mail(library, admin_user, language="en")
    assert english.subject == f"Invitation to join {library.name} on Sapa"
    assert indonesian.subject != english.subject
    assert library.name in indonesian.subject
    assert indonesian.reply_to == ["perpus@example.org"]
    assert "http://x/accounts/invite/abc/" in indonesian.body_text
