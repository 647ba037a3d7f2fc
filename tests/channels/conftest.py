import pytest

from tests.channels.receiver import Receiver


@pytest.fixture
def receiver():
    with Receiver() as started:
        yield started


@pytest.fixture(autouse=True)
def local_robots(settings):
    """The receiver on 127.0.0.1 is the only host allowed over http (as a deployment never would); short pauses."""
    settings.CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS = ["127.0.0.1"]
    settings.CHANNEL_CONNECT_TIMEOUT = 2
    settings.CHANNEL_READ_TIMEOUT = 2
    settings.CHANNEL_RETRY_DELAYS = [60, 120, 240, 480]
    settings.CHANNEL_MAX_ATTEMPTS = 5
