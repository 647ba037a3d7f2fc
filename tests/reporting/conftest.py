import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def clear_dashboard_cache():
    # Outside tests a committed rollup changes the cache generation; a test's transaction never commits.
    cache.clear()
    yield
    cache.clear()
