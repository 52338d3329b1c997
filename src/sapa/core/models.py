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
