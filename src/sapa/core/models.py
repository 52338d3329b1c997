from django.db import models


class RateLimitCounter(models.Model):
    """One fixed window of one rate limit, when Redis is not configured.

    Kept in the database (not a per-process cache) so that a limit holds across
    all web processes of one machine.
    """

    key = models.CharField(max_length=200, unique=True)
    count = models.PositiveIntegerField(default=0)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return f"{self.key}={self.count}"


class WorkerBeat(models.Model):
    """A running worker process: it updates `seen_at` every few seconds (sapa.core.workers).

    A job claimed by a worker (an email being sent, a certificate generation) names the
    worker; once the worker is dead (its beat is old, or its process is gone on this
    host) any other worker takes the job back up.
    """

    name = models.CharField(max_length=120, primary_key=True)
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self):
        return self.name


class PeriodicRun(models.Model):
    """The lock of one periodic job: every worker may run it, one at a time, once per minute."""

    name = models.CharField(max_length=200, primary_key=True)
    slot = models.DateTimeField()
    holder = models.CharField(max_length=120, blank=True)
    lease_until = models.DateTimeField()

    def __str__(self):
        return f"{self.name} {self.slot:%Y-%m-%d %H:%M} {self.holder}"
