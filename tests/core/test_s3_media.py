"""Media on S3 (issue 14, item 2), against a local S3-compatible server (moto's, started here).

Public media (posters, news photos, social images, logos) are stored readable by anyone
and addressed without a signature, so a shared `og:image` link never expires and a
browser shows them under the Content-Security-Policy, which names the media origin.
Private files (certificates) keep signed addresses. `sapa backup` copies the bucket and
`sapa restore` puts it back.
"""

import io
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import httpx
import pytest
from PIL import Image

pytest.importorskip("moto")
pytestmark = pytest.mark.slow  # every test runs Python (or `sapa`) in its own process

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3_server():
    from moto.server import ThreadedMotoServer
    from serverproc import free_port

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server):
    import secrets

    import boto3

    name = f"sapa-{secrets.token_hex(4)}"
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    client.create_bucket(Bucket=name)
    return {"name": name, "endpoint": s3_server, "client": client}


def _env(bucket, **extra):
    return {"SAPA_S3_BUCKET": bucket["name"], "SAPA_S3_ENDPOINT_URL": bucket["endpoint"],
            "SAPA_S3_REGION": "us-east-1", "SAPA_S3_ACCESS_KEY_ID": "test",
            "SAPA_S3_SECRET_ACCESS_KEY": "test", **extra}


def _run(code: str, bucket, data_dir, **extra) -> str:
    """Run Python with Sapa's settings under the S3 configuration (settings are read at start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SAPA_S3")}
    env.update(_env(bucket, **extra), SAPA_DATA_DIR=str(data_dir), DJANGO_SETTINGS_MODULE="sapa.settings")
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    done = subprocess.run([sys.executable, "-c", "import django; django.setup()\n" + code], env=env,
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


SAVE = """
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from sapa.core.middleware import CSP
public = default_storage.save("news/7/foto.jpg", ContentFile(open({jpeg!r}, "rb").read()))
private = default_storage.save("certificates/7/sertifikat.pdf", ContentFile(b"%PDF-1.4 secret"))
print("PUBLIC=" + default_storage.url(public))
print("PRIVATE=" + default_storage.url(private))
print("CSP=" + CSP)
from sapa.news.text import render_body
print("BODY=" + render_body("![foto](/media/news/7/foto.jpg)", 7))
"""


def _values(out: str) -> dict:
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


def test_public_media_have_stable_unsigned_addresses_and_private_ones_are_signed(bucket, tmp_path):
    jpeg = tmp_path / "foto.jpg"
    jpeg.write_bytes(_jpeg())
    values = _values(_run(SAVE.format(jpeg=str(jpeg)), bucket, tmp_path))
    public, private = values["PUBLIC"], values["PRIVATE"]
    assert "?" not in public and "Signature" not in public
    assert public.startswith(bucket["endpoint"])
    # Anyone (no credentials) can fetch the public photo; the private file only through its signature.
    assert httpx.get(public).content == jpeg.read_bytes()
    assert "X-Amz-Signature=" in private or "Signature=" in private
    assert httpx.get(private).content == b"%PDF-1.4 secret"
    assert httpx.get(private.split("?", 1)[0]).status_code == 403
    # The page's Content-Security-Policy lets the browser show them.
    csp = values["CSP"]
    assert f"img-src 'self' data: blob: {bucket['endpoint']}" in csp
    # A news body's photo written with its /media/ address is shown from the bucket.
    assert f'src="{bucket["endpoint"]}/{bucket["name"]}/news/7/foto.jpg"' in values["BODY"]


def test_public_media_under_a_media_origin(bucket, tmp_path):
    jpeg = tmp_path / "foto.jpg"
    jpeg.write_bytes(_jpeg())
    values = _values(_run(SAVE.format(jpeg=str(jpeg)), bucket, tmp_path,
                          SAPA_S3_PUBLIC_URL="https://media.perpustakaan.example/sapa"))
    assert values["PUBLIC"] == "https://media.perpustakaan.example/sapa/news/7/foto.jpg"
    assert "img-src 'self' data: blob: https://media.perpustakaan.example" in values["CSP"]
    assert "Signature" in values["PRIVATE"]


def test_backup_copies_the_bucket_and_restore_puts_it_back(bucket, tmp_path):
    jpeg = tmp_path / "foto.jpg"
    jpeg.write_bytes(_jpeg())
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env.update(_env(bucket), SAPA_DATA_DIR=str(tmp_path), SAPA_SMTP_URL="console://")
    sapa = str(Path(sys.executable).parent / "sapa")
    assert subprocess.run([sapa, "migrate", "-v", "0"], env=env, timeout=300).returncode == 0
    _run(SAVE.format(jpeg=str(jpeg)), bucket, tmp_path)
    archive = tmp_path / "backup.tar.gz"
    done = subprocess.run([sapa, "backup", str(archive)], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    with tarfile.open(archive) as tar:
        names = set(tar.getnames())
        assert tar.extractfile("media/news/7/foto.jpg").read() == jpeg.read_bytes()
    assert "media/certificates/7/sertifikat.pdf" in names
    # Lose the bucket's objects, add a stray one, then restore: exactly the backup's files again.
    client = bucket["client"]
    for key in ("news/7/foto.jpg", "certificates/7/sertifikat.pdf"):
        client.delete_object(Bucket=bucket["name"], Key=key)
    client.put_object(Bucket=bucket["name"], Key="news/7/stray.jpg", Body=b"x")
    done = subprocess.run([sapa, "restore", str(archive), "--yes"], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    keys = {o["Key"] for o in client.list_objects_v2(Bucket=bucket["name"]).get("Contents", [])}
    assert keys == {"news/7/foto.jpg", "certificates/7/sertifikat.pdf"}
    # The restored public photo is public again.
    assert httpx.get(f"{bucket['endpoint']}/{bucket['name']}/news/7/foto.jpg").status_code == 200
