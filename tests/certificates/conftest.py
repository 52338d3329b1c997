import pytest
from cert_helpers import smtp_server  # noqa: F401 - a fixture for every test here


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BASE_URL = "https://sapa.example.org"
    settings.ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
