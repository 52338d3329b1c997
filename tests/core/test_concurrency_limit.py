"""How many requests a web process runs at once (sapa.core.middleware.ConcurrencyLimitMiddleware),
raced with real threads."""

import threading
import time

from django.http import HttpResponse, StreamingHttpResponse

from sapa.core.middleware import ConcurrencyLimitMiddleware, FairPermits


def _until(condition, seconds=10):
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.005)


def test_at_most_the_permits_run_at_once_the_others_wait(settings):
    settings.SAPA_PAGE_THREADS = 2
    running, most, order = [0], [0], []
    guard = threading.Lock()
    gate = threading.Event()

    def view(request):
        with guard:
            running[0] += 1
            most[0] = max(most[0], running[0])
            order.append(request)
        gate.wait(10)
        with guard:
            running[0] -= 1
        return HttpResponse("ok")

    limited = ConcurrencyLimitMiddleware(view)
    threads = []
    for n in range(8):
        thread = threading.Thread(target=limited, args=(n,))
        thread.start()
        threads.append(thread)
        # One after the other: each is running or queued before the next arrives.
        _until(lambda n=n: len(order) + len(limited.permits._waiters) == n + 1)
    assert running[0] == 2 and len(limited.permits._waiters) == 6
    gate.set()
    for thread in threads:
        thread.join(10)
    assert most[0] == 2
    assert sorted(order) == list(range(8)) and sorted(order[:2]) == [0, 1]
    assert limited.permits._free == 2


def test_a_view_that_fails_gives_its_permit_back(settings):
    settings.SAPA_PAGE_THREADS = 1

    def broken(request):
        raise ValueError("boom")

    limited = ConcurrencyLimitMiddleware(broken)
    for _ in range(3):
        try:
            limited(None)
        except ValueError:
            pass
    assert limited.permits._free == 1
    # The next request is not left waiting.
    limited.get_response = lambda request: HttpResponse("ok")
    answered = []
    thread = threading.Thread(target=lambda: answered.append(limited(None).content))
    thread.start()
    thread.join(5)
    assert answered == [b"ok"]


def test_a_stream_holds_no_permit_while_its_body_is_sent(settings):
    settings.SAPA_PAGE_THREADS = 1
    release = threading.Event()

    def body():
        yield b"first"
        release.wait(10)
        yield b"last"

    def view(request):
        return StreamingHttpResponse(body()) if request == "stream" else HttpResponse("page")

    limited = ConcurrencyLimitMiddleware(view)
    stream = limited("stream")
    chunks = iter(stream.streaming_content)
    assert next(chunks) == b"first"
    # The stream is open; an ordinary request still gets the one permit.
    answered = []
    thread = threading.Thread(target=lambda: answered.append(limited("page").content))
    thread.start()
    thread.join(5)
    release.set()
    assert answered == [b"page"]
    assert next(chunks) == b"last"


def test_a_released_permit_goes_to_the_first_waiter_in_order_of_arrival():
    permits = FairPermits(1)
    permits.acquire()
    got = []

    def wait(n):
        permits.acquire()
        got.append(n)
        permits.release()

    waiters = []
    for n in range(3):
        thread = threading.Thread(target=wait, args=(n,))
        thread.start()
        waiters.append(thread)
        _until(lambda n=n: len(permits._waiters) == n + 1)
    permits.release()
    for thread in waiters:
        thread.join(5)
    assert got == [0, 1, 2]
    assert permits._free == 1
