import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def bulletin_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    yield
    cache.clear()
