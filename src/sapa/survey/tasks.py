from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from sapa.survey import services


@db_periodic_task(crontab(minute="*/10"))
def send_survey_invitations():
    """Email the survey link to attendees of every survey that has opened (each once)."""
    return services.send_due_invitations()
