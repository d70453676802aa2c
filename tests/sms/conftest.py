"""Fixtures shared by the SMS tests."""
from __future__ import annotations

import pytest

from msgsys.sms.fake_twilio import FakeTwilio


@pytest.fixture
def fake():
    """A fake Twilio API on an ephemeral 127.0.0.1 port, stopped after the test."""
    server = FakeTwilio().start()
    yield server
    server.stop()
