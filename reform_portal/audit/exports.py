"""The audit entries as an Excel workbook, every text cell written by the portal's one formula-safe writer."""

import json
from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from reform_portal.chunked import in_chunks
from reform_portal.spreadsheets import StreamedWorkbook

from .choices import label

EXPORT_MAX_ROWS = 200_000  # a larger export is cut there (the sheet says so); narrow the dates instead


def entries_workbook(entries, *, out=None, progress=None):
    """The workbook as bytes; given `out` (a path or a file: a background job's), written there and the number of
    entries written returned. `progress(n)` after each entry."""
    target = out if out is not None else BytesIO()
    workbook = StreamedWorkbook(target)
    sheet = workbook.sheet(_("审计记录"))
    sheet.append(
        [
            _("编号"),
            _("时间"),
            _("事件"),
            _("事件代码"),
            _("用户名"),
            _("IP 地址"),
            _("请求方法"),
            _("路径"),
            _("对象类型"),
            _("对象编号"),
            _("对象"),
            _("详情"),
            _("浏览器"),
            _("哈希"),
        ],
    )
    count = 0
    for entry in in_chunks(entries, 2000):
        if count == EXPORT_MAX_ROWS:
            sheet.append([_("超过 %(n)s 行，其余未导出，请缩小日期范围。") % {"n": EXPORT_MAX_ROWS}])
            break
        target_type = entry.target_type
        sheet.append(
            [
                entry.pk,
                timezone.localtime(entry.created_at).replace(tzinfo=None),
                label(entry.action),
                entry.action,
                entry.username,
                entry.ip,
                entry.method,
                entry.path,
                f"{target_type.app_label}.{target_type.model}" if target_type else "",
                entry.target_id,
                entry.target_repr,
                json.dumps(entry.details, ensure_ascii=False, sort_keys=True) if entry.details else "",
                entry.user_agent,
                entry.hash,
            ]
        )
        count += 1
        if progress is not None:
            progress(count)
    workbook.close()
    return count if out is not None else target.getvalue()
