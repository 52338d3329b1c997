"""Shared pieces of the fault tests: a real SMTP server that can hold its answers, waiting,
registering through the public form of a real server (tests/serverproc.py)."""

import asyncio
import email
import email.policy
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from serverproc import form_data, form_hidden_fields, free_port, person

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "social"))  # fakenet, workerproc


class Inbox:
    """An aiosmtpd handler keeping every message; while `gate` is clear it holds its answer
    to DATA (the message is in, the client waits): a worker can be killed mid-send."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        self.gate = threading.Event()
        self.gate.set()
        self.holding = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
            self.holding += 1
        while not self.gate.is_set():
            await asyncio.sleep(0.05)
        with self.lock:
            self.holding -= 1
        return "250 OK"

    def to(self, address) -> list:
        with self.lock:
            return [m for rcpt, m in self.messages if address in rcpt]

    def recipients(self) -> set:
        with self.lock:
            return {a for rcpt, _ in self.messages for a in rcpt}


@pytest.fixture
def inbox():
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    handler.gate.set()
    controller.stop()


def wait_for(predicate, timeout: float, what: str, server=None, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    log = f"\n--- server log ---\n{server.log()[-5000:]}" if server is not None else ""
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{log}")


def register(server, event: dict, n: int, timeout: float = 30) -> httpx.Response:
    """One person registers through the public form, as a browser does (GET, then POST)."""
    page = f"/e/{event['slug']}/"
    with httpx.Client(base_url=server.url, timeout=timeout, follow_redirects=False) as client:
        got = client.get(page)
        if got.status_code != 200:
            return got
        return client.post(
            page, data=form_data(event, person(event, n), form_hidden_fields(got.text))
        )


def worker_pids(server) -> set[int]:
    """The pids of the live workers that beat (sapa.core.workers names: host:pid:random)."""
    import os

    pids = set()
    for (name,) in server.query("SELECT name FROM core_workerbeat"):
        pid = int(name.split(":")[1])
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            continue
        pids.add(pid)
    return pids


class TcpProxy:
    """A TCP proxy on 127.0.0.1 that the test cuts (every connection dropped, nothing
    accepted: the database "stopped") and restores, on the same port."""

    def __init__(self, target_host: str, target_port: int):
        import socket

        self.target = (target_host, target_port)
        self.port = free_port()
        self.conns: list = []
        self.lock = threading.Lock()
        self.listener = None
        self._socket = socket

    def start(self):
        sock = self._socket.socket()
        sock.setsockopt(self._socket.SOL_SOCKET, self._socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        sock.listen(128)
        self.listener = sock
        threading.Thread(target=self._accept, args=(sock,), daemon=True).start()
        return self

    def _accept(self, listener):
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = self._socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self.lock:
                self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    def _pipe(self, src, dst):
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        for sock in (src, dst):
            try:
                sock.shutdown(self._socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        try:
            self.listener.shutdown(self._socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.listener.close()
        with self.lock:
            conns, self.conns = self.conns, []
        for sock in conns:
            try:
                sock.shutdown(self._socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def restore(self):
        self.start()
