"""sapa.server, the RSGI application granian serves: Django behind it answers as under WSGI.

One real server (granian started with sapa.cli's command) for all of these: paths with
encoded UTF-8, a login form post with its cookies, a large static file streamed in
batches, HEAD, a chunked request body, and the live board's stream on the event loop.
"""

import socket
from pathlib import Path

import httpx
import pytest
from serverproc import ROOT, sapa_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():
    with sapa_server() as running:
        yield running


def test_encoded_utf8_path_and_query_answer_like_django(server):
    answer = httpx.get(server.url + "/e/acara-%C3%A9t%C3%A9/?q=%E2%9C%93", timeout=30)
    assert answer.status_code == 404
    assert "text/html" in answer.headers["content-type"]


def test_login_form_posts_with_its_csrf_cookie(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        page = client.get("/accounts/login/")
        assert page.status_code == 200 and "csrftoken" in client.cookies
        token = page.text.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
        answer = client.post("/accounts/login/", data={
            "csrfmiddlewaretoken": token, "username": "nobody@example.org", "password": "wrong-password"},
            headers={"Referer": server.url + "/accounts/login/"})
    # Refused as a wrong password (the form again), not as a CSRF failure or a server error.
    assert answer.status_code == 200, answer.text[:500]
    assert 'name="password"' in answer.text


def test_large_static_file_arrives_whole(server):
    original = (ROOT / "src/sapa/static/sapa/vendor/htmx.min.js").read_bytes()
    answer = httpx.get(server.url + "/static/sapa/vendor/htmx.min.js", timeout=30)
    assert answer.status_code == 200
    assert answer.content == original
    head = httpx.head(server.url + "/static/sapa/vendor/htmx.min.js", timeout=30)
    assert head.status_code == 200 and head.content == b""


def test_chunked_request_body_reaches_django(server):
    import json

    from serverproc import api_body, create_event, person

    event = create_event(server, capacity=5)
    host, port = server.url.removeprefix("http://").split(":")
    body = json.dumps(api_body(event, person(event, 1))).encode()
    request = (f"POST /api/v1/events/{event['slug']}/registrations HTTP/1.1\r\nHost: {host}:{port}\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
               f"{len(body):x}\r\n").encode() + body + b"\r\n0\r\n\r\n"
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    assert status == 202, data[:500]  # Django read the whole chunked body


def test_live_stream_is_served_on_the_event_loop(server):
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "live"))
    from live_servers import ask, create_board

    board = create_board(server, people=1)
    with httpx.Client(base_url=server.url, timeout=30) as client:
        with client.stream("GET", f"/e/{board['slug']}/live/stream/") as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")
            lines = stream.iter_lines()
            assert next(lines).startswith("retry:")
            assert ask(server.url, board["slug"], "Pertanyaan lewat loop").status_code == 201
            for line in lines:
                if "Pertanyaan lewat loop" in line:
                    break
