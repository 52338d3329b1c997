"""The kill test: a worker killed after the network took the post, before Sapa wrote it down.

A real `sapa worker` publishes to a local fake network that records each post
and then holds its answer. The test kills the worker with SIGKILL at that
moment, starts a new one, and checks:

- Mastodon: the new worker re-sends with the same Idempotency-Key, the server
  answers with the status it already has: ONE post, and the variant published;
- Telegram (no idempotency, no way to list a channel's messages): the variant
  ends "check by hand", and the message is not sent a second time.
"""

import signal
import time

import pytest
from fakenet import FakeNetwork
from workerproc import sapa_site, schedule_posts

pytestmark = pytest.mark.slow

LEASE = 6


def _states(site) -> dict:
    rows = site.query("SELECT c.network, v.state, v.external_id, v.idempotency_key FROM social_postvariant v "
                      "JOIN social_channel c ON c.id = v.channel_id")
    return {network: (state, external_id, key) for network, state, external_id, key in rows}


def _wait(predicate, timeout, what, site):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}\n--- worker log ---\n{site.log()[-4000:]}")


def test_killed_worker_never_posts_twice():
    env = {"SAPA_SOCIAL_PUBLISH_LEASE": str(LEASE), "SAPA_WORKER_THREADS": "4"}
    with FakeNetwork() as net, sapa_site(env={**env, "SAPA_SOCIAL_API_URLS": f"telegram={net.url}"}) as site:
        schedule_posts(site, net.url, networks=("mastodon", "telegram"), delay=2)
        net.stall.set()
        worker = site.start_worker()
        # The network has taken both posts and holds its answers.
        _wait(lambda: len(net.statuses) == 1 and len(net.telegram) == 1, 60, "both posts", site)
        states = _states(site)
        assert states["mastodon"][0] == "publishing" and states["telegram"][0] == "publishing"
        site.kill(worker, signal.SIGKILL)
        net.stall.clear()
        net.release.set()
        # Nothing was written after the network took the posts.
        assert {n: s[0] for n, s in _states(site).items()} == {"mastodon": "publishing",
                                                               "telegram": "publishing"}

        site.start_worker("worker2.log")
        _wait(lambda: {s[0] for s in _states(site).values()} <= {"published", "needs_check", "failed"},
              LEASE + 40, "reconciliation", site)
        states = _states(site)
        assert states["mastodon"][0] == "published"
        assert states["mastodon"][1] == net.statuses[0]["id"]
        assert states["telegram"][0] == "needs_check"
        # One post on each network, not two.
        assert len(net.statuses) == 1
        assert len(net.telegram) == 1
        keys = [r[2]["_headers"].get("Idempotency-Key") for r in net.requests if r[1] == "/api/v1/statuses"]
        assert len(keys) == 2 and keys[0] == keys[1] == states["mastodon"][2]
