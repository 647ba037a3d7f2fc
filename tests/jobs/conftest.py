import pytest

from tests.celery_worker import celery_worker


@pytest.fixture
def jobs_worker(settings, tmp_path):
    """A worker taking only the `jobs` queue, sharing the test's database and MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    with celery_worker(tmp_path, queues=["jobs"], env={"MEDIA_ROOT": str(settings.MEDIA_ROOT)}) as worker:
        yield worker
