"""Reference data shipped with the portal: the provinces and prefecture-level divisions
(GB/T 2260) that enterprises belong to, kept in `enterprises/data/regions.json`.

`regions_load()` is an idempotent upsert by code: running it again changes nothing, a changed
name or parent is updated in place, and a region missing from the file is never deleted.
"""

import json
import re
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from .choices import RegionLevel
from .models import Region

REGIONS_PATH = Path(__file__).resolve().parent / "data" / "regions.json"

REQUIRED_KEYS = ("code", "name", "level", "parent", "echarts_name")
OPTIONAL_KEYS = ("note",)
CODE_PATTERN = re.compile(r"^\d{6}$")


class ReferenceDataError(ValueError):
    """A reference data file is missing or malformed; the message names the file and the problem."""


def regions_read(*, path=None) -> list[dict]:
    """The validated region entries of `path` (default: the shipped file), parents first."""
    path = Path(path) if path else REGIONS_PATH

    def fail(problem):
        raise ReferenceDataError(_("%(file)s：%(problem)s") % {"file": path, "problem": problem})

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        fail(_("文件不存在。"))
    except json.JSONDecodeError as exc:
        fail(
            _("不是有效的 JSON（第 %(line)d 行第 %(column)d 列）：%(message)s")
            % {"line": exc.lineno, "column": exc.colno, "message": exc.msg}
        )
    if not isinstance(data, dict) or not isinstance(data.get("regions"), list):
        fail(_("顶层应为对象，并含有列表“regions”。"))

    entries: list[dict] = []
    levels: dict[str, str] = {}
    for index, entry in enumerate(data["regions"]):
        where = _("regions[%(index)d]") % {"index": index}
        if not isinstance(entry, dict):
            fail(_("%(where)s 应为对象。") % {"where": where})
        for key in REQUIRED_KEYS:
            if key not in entry:
                fail(_("%(where)s 缺少必填键“%(key)s”。") % {"where": where, "key": key})
        for key in entry:
            if key not in REQUIRED_KEYS + OPTIONAL_KEYS:
                fail(_("%(where)s 含有未知的键“%(key)s”。") % {"where": where, "key": key})
        code, level, parent = entry["code"], entry["level"], entry["parent"]
        where = f"{where}（{code}）"
        if not isinstance(code, str) or not CODE_PATTERN.match(code):
            fail(_("%(where)s 的代码应为 6 位数字。") % {"where": where})
        if code in levels:
            fail(_("代码“%(code)s”在文件中重复出现。") % {"code": code})
        if not isinstance(entry["name"], str) or not entry["name"].strip():
            fail(_("%(where)s 的名称不能为空。") % {"where": where})
        if not isinstance(entry["echarts_name"], str) or not entry["echarts_name"].strip():
            fail(_("%(where)s 的 echarts_name 不能为空。") % {"where": where})
        if level not in RegionLevel.values:
            fail(
                _("%(where)s 的级别“%(level)s”无效，可选：%(choices)s。")
                % {"where": where, "level": level, "choices": "、".join(RegionLevel.values)}
            )
        if level == RegionLevel.PROVINCE and parent is not None:
            fail(_("%(where)s 是省级，不能有上级。") % {"where": where})
        if level == RegionLevel.PREFECTURE and levels.get(parent) != RegionLevel.PROVINCE:
            fail(_("%(where)s 的上级“%(parent)s”须是排在它之前的省级记录。") % {"where": where, "parent": parent})
        levels[code] = level
        entries.append(entry)
    return entries


def regions_load(*, path=None) -> dict:
    """Upsert the regions of `path` by code; return counts of created, updated and unchanged rows."""
    entries = regions_read(path=path)
    stats = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {r.code: r for r in Region.objects.filter(code__in=[e["code"] for e in entries])}
        for entry in entries:
            parent = existing[entry["parent"]] if entry["parent"] else None
            values = {"name": entry["name"].strip(), "level": entry["level"], "parent": parent}
            region = existing.get(entry["code"])
            if region is None:
                region = Region.objects.create(code=entry["code"], **values)
                existing[region.code] = region
                stats["created"] += 1
                continue
            changed = {k: v for k, v in values.items() if getattr(region, k) != v}
            if changed:
                for key, value in changed.items():
                    setattr(region, key, value)
                region.save()
                stats["updated"] += 1
            else:
                stats["unchanged"] += 1
    stats["total"] = len(entries)
    return stats


def echarts_names(*, path=None) -> dict[str, str]:
    """Region code → the area's name in the ECharts 4.9.0 province maps (杨凌示范区 maps to 咸阳市)."""
    return {e["code"]: e["echarts_name"] for e in regions_read(path=path)}
