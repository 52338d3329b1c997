"""`sapa verify-draw` against the real public page (a live server) and against tampered data."""

import json
import subprocess

import pytest
from django.core.management import CommandError, call_command
from prize_helpers import add_prize, attend, make_event, register

from sapa.prizes import services


@pytest.fixture
def drawn(library):
    event = make_event(library)
    attend(register(event, 15))
    add_prize(event, "Kaos", variants=[("S", 1), ("M", 2)])
    add_prize(event, "Payung", 2, position=1)
    draw, _ = services.run_draw(services.prepare_draw(event))
    return draw


def _run(*args):
    from io import StringIO

    out = StringIO()
    call_command("verify_draw", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_verify_the_public_page_and_its_json_over_http(drawn, live_server):
    page = f"{live_server.url}/undian/{drawn.public_id}/"
    out = _run(page)
    assert out.startswith("OK: Sharing Session Media Sosial — round 1")
    assert "5 winners" in out and "15 entries" in out
    assert _run(page + "data.json").startswith("OK:")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_sapa_command_itself_checks_the_live_page(drawn, live_server, tmp_path):
    """The installed `sapa verify-draw` (hyphen), as a user runs it, in its own process."""
    import os

    from serverproc import sapa_executable

    env = {**os.environ, "SAPA_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    done = subprocess.run([*sapa_executable(), "verify-draw", f"{live_server.url}/undian/{drawn.public_id}/"],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("OK:")


@pytest.mark.django_db
def test_a_tampered_seed_is_caught(drawn, client, tmp_path):
    data = client.get(f"/undian/{drawn.public_id}/data.json").json()
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert _run(str(path)).startswith("OK:")
    data["seed"] = ("1" if data["seed"][0] != "1" else "2") + data["seed"][1:]
    path.write_text(json.dumps(data), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError, match="does NOT match"):
        call_command("verify_draw", str(path), stdout=out)
    text = out.getvalue()
    assert "DIFFERS: commitment: SHA-256(seed)" in text
    assert "DIFFERS: winner " in text and ": recomputed " in text


@pytest.mark.django_db
@pytest.mark.parametrize("tamper, expected", [
    (lambda d: d["winners"].reverse(), "winner 1: recomputed"),
    (lambda d: d["entries"].append("f" * 64), "winner"),
    (lambda d: d["entries"].insert(0, d["entries"].pop()), "not sorted"),
    (lambda d: d["winners"][0].update(prize="Mobil"), "prize 'Mobil'"),
    (lambda d: d.update(round=2), "winner"),
])
def test_other_tampering_is_caught(drawn, client, tmp_path, tamper, expected):
    data = client.get(f"/undian/{drawn.public_id}/data.json").json()
    tamper(data)
    path = tmp_path / "draw.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_draw", str(path), stdout=out)
    assert expected in out.getvalue()


@pytest.mark.django_db
def test_a_prepared_draw_cannot_be_verified_yet(library, client, tmp_path):
    event = make_event(library)
    attend(register(event, 3))
    add_prize(event)
    draw = services.prepare_draw(event)
    path = tmp_path / "draw.json"
    path.write_text(client.get(f"/undian/{draw.public_id}/data.json").content.decode(), encoding="utf-8")
    out = __import__("io").StringIO()
    with pytest.raises(CommandError):
        call_command("verify_draw", str(path), stdout=out)
    assert "not been run yet" in out.getvalue()


def test_bad_sources_get_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("verify_draw", str(tmp_path / "missing.json"))
    (tmp_path / "x.json").write_text("not json")
    with pytest.raises(CommandError, match="not JSON"):
        call_command("verify_draw", str(tmp_path / "x.json"))
