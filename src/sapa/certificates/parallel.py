"""Rendering a large generation on every core.

Rendering is CPU-bound Python (reportlab), so threads do not help; a generation of
at least PARALLEL_MIN certificates can be rendered by a pool of processes
(SAPA_CERTIFICATE_PROCESSES > 1; the default 1 renders in the worker's thread: on the
2-core machine we measured, the children's start-up and the other processes on the
cores made the pool slower, docs/certificates.md).
The children are started with "spawn" (never fork a threaded worker), set Django up
from the same environment, and each renders chunks of certificates by id, writes the
PDFs to storage and saves its rows. The numbers were assigned before, in one
transaction, so the pool changes nothing about numbering.

Small generations (a reissue, a few late attendees, the demo, the tests) always render
in the worker's own thread: starting the pool costs more than it saves there.
"""

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import django
from django.db import transaction

from sapa.config import env_int

PARALLEL_MIN = 200
CHUNK = 50
_layouts: dict = {}


def processes() -> int:
    """How many processes render a large generation (SAPA_CERTIFICATE_PROCESSES)."""
    return max(1, env_int("SAPA_CERTIFICATE_PROCESSES", 1))


def _init() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    django.setup()


def _render_chunk(design_id: int, version: int, ids: list[int]) -> int:
    # inside: apps not ready at import (a spawned child imports this module before _init()).
    from sapa.certificates import issuing
    from sapa.certificates.models import Certificate, CertificateDesign

    key = (design_id, version)
    lay = _layouts.get(key)
    if lay is None:
        _layouts.clear()
        lay = _layouts[key] = issuing.layout(CertificateDesign.objects.get(pk=design_id))
    rows = list(Certificate.objects.filter(pk__in=ids, rendered_at__isnull=True).order_by("seq"))
    for certificate in rows:
        issuing.render_file(certificate, lay, save=False)
    with transaction.atomic():
        Certificate.objects.bulk_update(rows, ["file", "rendered_at"])
    return len(ids)


def render_in_processes(design, certificates, on_progress) -> None:
    """Render `certificates` (of `design`) in a process pool; `on_progress(done)` after each chunk."""
    ids = [c.pk for c in certificates]
    chunks = [ids[i:i + CHUNK] for i in range(0, len(ids), CHUNK)]
    context = multiprocessing.get_context("spawn")
    done = 0
    with ProcessPoolExecutor(max_workers=min(processes(), len(chunks)), mp_context=context,
                             initializer=_init) as pool:
        for count in pool.map(_render_chunk, [design.pk] * len(chunks), [design.version] * len(chunks), chunks):
            done += count
            on_progress(done)
