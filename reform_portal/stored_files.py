"""Files users attach (a supervision order's reply, a 直通车 question), checked by `uploads.check_upload`, stored under
MEDIA_ROOT with a random name and handed out only by views that ask the access policy: the facts kept beside each
file, the one way to name one, and the one way to store a batch of them."""

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _


class CheckedFile(models.Model):
    """What the check found out of an uploaded file (abstract: each kind declares its `file` and its owner)."""

    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self):
        return self.original_name


def random_name(folder: str, enterprise_id: int, filename: str) -> str:
    """`<folder>/<enterprise id>/<random>.<ext>`: unguessable, and never named after what the user typed (only its
    extension is kept). Each kind's `upload_to` (evidence, a reply's file, a question's file) names its files so."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"{folder}/{enterprise_id}/{uuid.uuid4().hex}.{extension}"


def store_checked(make_row, checked) -> list:
    """For each (upload, check) of `checked`, the row `make_row(**facts)` saved with the upload as its file. When one
    fails, the files written so far are deleted and the error raised (the caller's transaction drops the rows)."""
    stored = []
    try:
        for upload, check in checked:
            row = make_row(
                original_name=check.name[:255], sha256=check.sha256, size=check.size, content_type=check.content_type
            )
            row.file.save(check.name, upload, save=False)
            stored.append(row)
            row.save()
    except Exception:
        for row in stored:
            row.file.delete(save=False)
        raise
    return stored
