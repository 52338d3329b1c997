from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.events import services
from sapa.mail.services import purge_old_bodies


@db_periodic_task(crontab(minute="*/5"))
def send_reminders():
    """Reminders a day and an hour before each event (each sent once)."""
    return services.send_due_reminders()


@db_periodic_task(crontab(minute="17", hour="2"))
def erase_expired_personal_data():
    """Retention: anonymize participants of events past their retention days; empty the
    bodies of emails sent more than SAPA_EMAIL_BODY_DAYS ago."""
    return {"registrations": services.anonymize_expired(), "email_bodies": purge_old_bodies()}
