"""Fixtures of the WhatsApp tests: a library's Cloud API account against a local fake API."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "events"))

from fakeapi import FakeCloudAPI  # noqa: E402

from sapa.whatsapp import services  # noqa: E402

APP_SECRET = "app-secret-of-perpus-a"
TOKEN = "EAAG-access-token"


@pytest.fixture(autouse=True)
def _whatsapp_settings(settings):
    settings.SAPA_OUTBOUND_ALLOW = ["127.0.0.0/8"]
    settings.SAPA_WHATSAPP_RETRY_BASE = 30
    settings.SAPA_WHATSAPP_MAX_ATTEMPTS = 4
    settings.SAPA_WHATSAPP_LEASE = 600
    settings.BASE_URL = "https://sapa.example.id"


@pytest.fixture
def api(settings):
    with FakeCloudAPI() as fake:
        settings.SAPA_WHATSAPP_API_URL = fake.url
        yield fake


@pytest.fixture
def account(library, api):
    return services.save_account(library, phone_number_id="1100000000", business_account_id="2200000000",
                                 access_token=TOKEN, app_secret=APP_SECRET, daily_budget=1000)
