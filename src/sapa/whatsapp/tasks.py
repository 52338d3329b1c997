import threading

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from sapa.whatsapp import connector, services
from sapa.whatsapp.models import Account


@db_task()
def deliver_message(message_id: int):
    return services.deliver(message_id)


@db_periodic_task(crontab(minute="*"))
def sweep_whatsapp():
    return services.sweep()


@db_task()
def sweep_whatsapp_once():
    return services.sweep()


_started = threading.Lock()
_startup_done = False


@HUEY.on_startup("sapa.whatsapp.sweep_after_start")
def _sweep_after_start():
    """A worker that starts may replace one that died while sending: once the lease has run
    out, sweep (instead of waiting for the next minute's)."""
    global _startup_done
    with _started:
        if _startup_done:
            return
        _startup_done = True
    sweep_whatsapp_once.schedule(delay=settings.SAPA_WHATSAPP_LEASE + 1)


@db_periodic_task(crontab(minute="17", hour="2"))
def check_templates_daily():
    """Record each library's template states for its WhatsApp page (see `sapa whatsapp_check`)."""
    for account in Account.objects.filter(is_active=True):
        try:
            services.check_templates(account)
        except connector.CloudError as exc:
            services.log.warning("whatsapp templates of library %s not checked: %s", account.library_id, exc)
