"""The policy catalogue: documents, their sections, measures and indicators, loaded from the
data files in `measures/data/catalogue/*.json` (one file per document).

Loading is an idempotent upsert: the document by its `number`, sections, measures and indicators
by their `code`, all in one transaction. Running it again changes nothing; a changed title is
updated in place; `position` follows the order in the file. Nothing is ever deleted: a section,
measure or indicator of the document that the database holds but the file no longer lists is
reported under "orphans" for a person to deal with (progress records may hang on it).

A new document needs only a new data file. See the two shipped files for the shape.
"""

import json
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from enterprises.choices import RegionLevel
from enterprises.models import Region

from .choices import Addressee, Comparison, Derivation, IndicatorKind, SectionKind
from .conditions import conditions_problems
from .models import Indicator, Measure, PolicyDocument, Section

CATALOGUE_DIR = Path(__file__).resolve().parent / "data" / "catalogue"

KINDS = ("documents", "sections", "measures", "indicators")

# (required keys, optional keys) of each object in a data file; "note" is free text for reviewers.
TOP_KEYS = (("document", "sections", "measures"), ("indicators", "note"))
# Documents, measures and indicators may say whom they apply to: `conditions` (measures/applicability.py) and the
# sentence they come from, `conditions_source`.
CONDITION_KEYS = ("conditions", "conditions_source")
DOCUMENT_KEYS = (
    ("code", "number", "title", "issuing_bodies", "issued_on", "province"),
    ("applies_to_text", "notice", "introduction", "note", *CONDITION_KEYS),
)
SECTION_KEYS = (("code", "number", "title", "kind"), ("parent", "text", "note"))
MEASURE_KEYS = (("code", "number", "title", "text", "section", "addressee"), ("note", *CONDITION_KEYS))
INDICATOR_KEYS = (
    ("code", "measure", "name", "kind", "comparison"),
    ("unit", "target", "source_text", "derived_from", "note", *CONDITION_KEYS),
)
# What each kind of indicator may be compared with: a date or a text is only recorded.
KIND_COMPARISONS = {
    IndicatorKind.BOOLEAN: (Comparison.TRUE, Comparison.INFO),
    IndicatorKind.COUNT: (Comparison.GTE, Comparison.LTE, Comparison.EQ, Comparison.INFO),
    IndicatorKind.SHARE: (Comparison.GTE, Comparison.LTE, Comparison.EQ, Comparison.INFO),
    IndicatorKind.DATE: (Comparison.INFO,),
    IndicatorKind.TEXT: (Comparison.INFO,),
}

NEEDS_TARGET = (Comparison.GTE, Comparison.LTE, Comparison.EQ)
MEASURE_SECTION_KINDS = (SectionKind.MEASURES, SectionKind.SUPPORT)


class CatalogueError(ValueError):
    """A catalogue file is missing, malformed or inconsistent; the message names the file and the problem."""


def _empty_counts() -> dict[str, int]:
    return dict.fromkeys(KINDS, 0)


def _empty_orphans() -> dict[str, list[str]]:
    return {"sections": [], "measures": [], "indicators": []}


class _Reader:
    """Reads and validates one data file before anything touches the database."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, problem: str):
        raise CatalogueError(_("%(file)s：%(problem)s") % {"file": self.path, "problem": problem})

    def read(self) -> dict:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            self.fail(_("文件不存在。"))
        except json.JSONDecodeError as exc:
            self.fail(
                _("不是有效的 JSON（第 %(line)d 行第 %(column)d 列）：%(message)s")
                % {"line": exc.lineno, "column": exc.colno, "message": exc.msg}
            )
        if not isinstance(data, dict):
            self.fail(_("顶层应为对象。"))
        self.check_keys(data, TOP_KEYS, _("顶层"))
        data.setdefault("indicators", [])
        for key in ("sections", "measures", "indicators"):
            if not isinstance(data[key], list):
                self.fail(_("“%(key)s”应为列表。") % {"key": key})
        self.check_document(data["document"])
        self.check_sections(data["sections"])
        self.check_measures(data["measures"], {s["code"]: s for s in data["sections"]})
        self.check_indicators(data["indicators"], {m["code"] for m in data["measures"]})
        for key in ("sections", "measures", "indicators"):
            codes = [o["code"] for o in data[key]]
            for code in codes:
                if codes.count(code) > 1:
                    self.fail(_("“%(key)s”中的代码“%(code)s”重复出现。") % {"key": key, "code": code})
        return data

    def check_keys(self, obj, keys, where):
        required, optional = keys
        if not isinstance(obj, dict):
            self.fail(_("%(where)s 应为对象。") % {"where": where})
        for key in required:
            if key not in obj:
                self.fail(_("%(where)s 缺少必填键“%(key)s”。") % {"where": where, "key": key})
        for key in obj:
            if key not in required + optional:
                self.fail(_("%(where)s 含有未知的键“%(key)s”。") % {"where": where, "key": key})

    def check_text(self, obj, keys, where, *, allow_empty=False):
        for key in keys:
            value = obj.get(key, "")
            if not isinstance(value, str) or (not allow_empty and not value.strip()):
                expected = _("字符串") if allow_empty else _("非空字符串")
                self.fail(
                    _("%(where)s 的“%(key)s”应为%(expected)s。") % {"where": where, "key": key, "expected": expected}
                )

    def check_choice(self, value, choices, where, key):
        if value not in choices.values:
            self.fail(
                _("%(where)s 的“%(key)s”取值“%(value)s”无效，可选：%(choices)s。")
                % {"where": where, "key": key, "value": value, "choices": "、".join(choices.values)}
            )

    def check_document(self, document):
        where = "document"
        self.check_keys(document, DOCUMENT_KEYS, where)
        self.check_text(document, ("code", "number", "title", "issued_on", "province"), where)
        self.check_text(document, ("applies_to_text", "notice", "introduction"), where, allow_empty=True)
        self.check_conditions(document, where)
        bodies = document["issuing_bodies"]
        if not isinstance(bodies, list) or not bodies or not all(isinstance(b, str) and b.strip() for b in bodies):
            self.fail(_("document 的“issuing_bodies”应为非空的字符串列表。"))
        try:
            date.fromisoformat(document["issued_on"])
        except ValueError:
            self.fail(_("印发日期“%(value)s”不是 YYYY-MM-DD 格式的日期。") % {"value": document["issued_on"]})

    def check_conditions(self, obj, where):
        self.check_text(obj, ("conditions_source",), where, allow_empty=True)
        if "conditions" not in obj:
            return
        problems = conditions_problems(obj["conditions"])
        if problems:
            self.fail(_("%(where)s：%(problems)s") % {"where": where, "problems": "".join(problems)})
        if obj["conditions"] and not obj.get("conditions_source", "").strip():
            self.fail(_("%(where)s 给出了适用条件，须在“conditions_source”中引用其原文。") % {"where": where})

    def check_sections(self, sections):
        seen: set[str] = set()
        for index, section in enumerate(sections):
            where = f"sections[{index}]"
            self.check_keys(section, SECTION_KEYS, where)
            self.check_text(section, ("code", "number", "title"), where)
            where = f"{where}（{section['code']}）"
            self.check_choice(section["kind"], SectionKind, where, "kind")
            self.check_text(section, ("text",), where, allow_empty=True)
            if section["kind"] == SectionKind.PREAMBLE and not section.get("text", "").strip():
                self.fail(_("%(where)s 是总体说明类章节，须有正文“text”。") % {"where": where})
            parent = section.get("parent")
            if parent is not None and parent not in seen:
                self.fail(
                    _("%(where)s 的上级章节“%(parent)s”不存在，或排在它之后。") % {"where": where, "parent": parent}
                )
            seen.add(section["code"])

    def check_measures(self, measures, sections):
        for index, measure in enumerate(measures):
            where = f"measures[{index}]"
            self.check_keys(measure, MEASURE_KEYS, where)
            self.check_text(measure, ("code", "number", "title", "text", "section"), where)
            where = f"{where}（{measure['code']}）"
            self.check_choice(measure["addressee"], Addressee, where, "addressee")
            self.check_conditions(measure, where)
            section = sections.get(measure["section"])
            if section is None:
                self.fail(
                    _("%(where)s 引用的章节“%(section)s”在本文件中不存在。")
                    % {"where": where, "section": measure["section"]}
                )
            if section["kind"] not in MEASURE_SECTION_KINDS:
                self.fail(
                    _("%(where)s 不能放在总体说明类章节“%(section)s”下。")
                    % {"where": where, "section": section["code"]}
                )

    def check_indicators(self, indicators, measure_codes):
        for index, indicator in enumerate(indicators):
            where = f"indicators[{index}]"
            self.check_keys(indicator, INDICATOR_KEYS, where)
            self.check_text(indicator, ("code", "measure", "name"), where)
            self.check_text(indicator, ("unit", "source_text"), where, allow_empty=True)
            where = f"{where}（{indicator['code']}）"
            self.check_choice(indicator["comparison"], Comparison, where, "comparison")
            self.check_choice(indicator["kind"], IndicatorKind, where, "kind")
            self.check_conditions(indicator, where)
            if indicator["comparison"] not in KIND_COMPARISONS[indicator["kind"]]:
                self.fail(
                    _("%(where)s 的类型“%(kind)s”只能用比较方式：%(comparisons)s。")
                    % {
                        "where": where,
                        "kind": indicator["kind"],
                        "comparisons": "、".join(KIND_COMPARISONS[indicator["kind"]]),
                    }
                )
            if indicator.get("derived_from") is not None:
                self.check_choice(indicator["derived_from"], Derivation, where, "derived_from")
            if indicator["kind"] == IndicatorKind.SHARE and indicator.get("target") is not None:
                try:
                    share = Decimal(str(indicator["target"]))
                except InvalidOperation:
                    share = None
                if share is not None and not 0 <= share <= 100:
                    self.fail(_("%(where)s 是比例，目标值应在 0–100 之间。") % {"where": where})
            if indicator["measure"] not in measure_codes:
                self.fail(
                    _("%(where)s 引用的措施“%(measure)s”在本文件中不存在。")
                    % {"where": where, "measure": indicator["measure"]}
                )
            target = indicator.get("target")
            if indicator["comparison"] in NEEDS_TARGET:
                if target is None:
                    self.fail(
                        _("%(where)s 的比较方式为“%(comparison)s”，必须给出目标值。")
                        % {"where": where, "comparison": indicator["comparison"]}
                    )
                try:
                    Decimal(str(target))
                except InvalidOperation:
                    self.fail(_("%(where)s 的目标值“%(value)s”不是数字。") % {"where": where, "value": target})
            elif target is not None:
                self.fail(
                    _("%(where)s 的比较方式为“%(comparison)s”，目标值应为 null。")
                    % {"where": where, "comparison": indicator["comparison"]}
                )


class _Writer:
    """Upserts one validated file; counts what it created, updated or left alone."""

    def __init__(self, reader: _Reader):
        self.reader = reader
        self.created = _empty_counts()
        self.updated = _empty_counts()
        self.unchanged = _empty_counts()

    def upsert(self, kind: str, model, lookup: dict, values: dict, where: str):
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            obj = model(**lookup, **values)
            outcome = self.created
        else:
            changed = {k: v for k, v in values.items() if getattr(obj, k) != v}
            if not changed:
                self.unchanged[kind] += 1
                return obj
            for key, value in changed.items():
                setattr(obj, key, value)
            outcome = self.updated
        try:
            obj.full_clean(exclude=["scope"], validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems = "；".join(f"{field}：{'，'.join(messages)}" for field, messages in exc.message_dict.items())
            self.reader.fail(_("%(where)s 有误：%(problems)s") % {"where": where, "problems": problems})
        obj.save()
        outcome[kind] += 1
        return obj

    def rescope(self, document):
        """A document's or measure's conditions reach what belongs to it: point each measure and indicator of
        `document` whose combined conditions changed at its new scope (a save recomputes it)."""
        items = [
            *Measure.objects.filter(document=document).select_related("document", "scope"),
            *Indicator.objects.filter(measure__document=document).select_related("measure__document", "scope"),
        ]
        for item in items:
            before = item.scope_id
            item.scope_refresh()
            if item.scope_id != before:
                item.save(update_fields=["scope"])

    def claim(self, code: str, owner, document, label: str):
        """A row found by code must belong to this document (`owner` is the row's document)."""
        if owner is not None and owner.pk != document.pk:
            self.reader.fail(
                _("%(label)s代码“%(code)s”已属于另一份文件 %(other)s。")
                % {"label": label, "code": code, "other": owner.number}
            )

    def write(self, data: dict) -> dict:
        doc = data["document"]
        province = Region.objects.filter(code=doc["province"], level=RegionLevel.PROVINCE).first()
        if province is None:
            self.reader.fail(_("省份“%(code)s”不在行政区划表中，请先运行 load_regions。") % {"code": doc["province"]})
        same_code = PolicyDocument.objects.filter(code=doc["code"]).exclude(number=doc["number"]).first()
        if same_code is not None:
            self.reader.fail(
                _("文件代码“%(code)s”已被 %(other)s 使用。") % {"code": doc["code"], "other": same_code.number}
            )
        document = self.upsert(
            "documents",
            PolicyDocument,
            {"number": doc["number"]},
            {
                "code": doc["code"],
                "title": doc["title"],
                "issuing_bodies": doc["issuing_bodies"],
                "issued_on": date.fromisoformat(doc["issued_on"]),
                "province_id": province.pk,
                "applies_to_text": doc.get("applies_to_text", ""),
                "conditions": doc.get("conditions", {}),
                "conditions_source": doc.get("conditions_source", ""),
                "notice": doc.get("notice", ""),
                "introduction": doc.get("introduction", ""),
            },
            "document",
        )

        sections: dict[str, Section] = {}
        for position, item in enumerate(data["sections"], start=1):
            existing = Section.objects.filter(code=item["code"]).select_related("document").first()
            self.claim(item["code"], existing and existing.document, document, _("章节"))
            parent = item.get("parent")
            sections[item["code"]] = self.upsert(
                "sections",
                Section,
                {"code": item["code"]},
                {
                    "document_id": document.pk,
                    "parent_id": sections[parent].pk if parent else None,
                    "number": item["number"],
                    "title": item["title"],
                    "kind": item["kind"],
                    "text": item.get("text", ""),
                    "position": position,
                },
                f"sections[{position - 1}]（{item['code']}）",
            )

        measures: dict[str, Measure] = {}
        for position, item in enumerate(data["measures"], start=1):
            existing = Measure.objects.filter(code=item["code"]).select_related("document").first()
            self.claim(item["code"], existing and existing.document, document, _("措施"))
            measures[item["code"]] = self.upsert(
                "measures",
                Measure,
                {"code": item["code"]},
                {
                    "document_id": document.pk,
                    "section_id": sections[item["section"]].pk,
                    "number": item["number"],
                    "title": item["title"],
                    "text": item["text"],
                    "addressee": item["addressee"],
                    "position": position,
                    "conditions": item.get("conditions", {}),
                    "conditions_source": item.get("conditions_source", ""),
                },
                f"measures[{position - 1}]（{item['code']}）",
            )

        for position, item in enumerate(data["indicators"], start=1):
            existing = Indicator.objects.filter(code=item["code"]).select_related("measure__document").first()
            self.claim(item["code"], existing and existing.measure.document, document, _("指标"))
            target = item.get("target")
            self.upsert(
                "indicators",
                Indicator,
                {"code": item["code"]},
                {
                    "measure_id": measures[item["measure"]].pk,
                    "name": item["name"],
                    "kind": item["kind"],
                    "derived_from": item.get("derived_from") or "",
                    "conditions": item.get("conditions", {}),
                    "conditions_source": item.get("conditions_source", ""),
                    "unit": item.get("unit", ""),
                    "comparison": item["comparison"],
                    "target": None if target is None else Decimal(str(target)),
                    "source_text": item.get("source_text", ""),
                    "position": position,
                },
                f"indicators[{position - 1}]（{item['code']}）",
            )

        self.rescope(document)
        orphans = {
            "sections": Section.objects.filter(document=document).exclude(code__in=sections),
            "measures": Measure.objects.filter(document=document).exclude(code__in=measures),
            "indicators": Indicator.objects.filter(measure__document=document).exclude(
                code__in=[i["code"] for i in data["indicators"]]
            ),
        }
        return {
            "file": str(self.reader.path),
            "document": document.number,
            "code": document.code,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "orphans": {kind: sorted(qs.values_list("code", flat=True)) for kind, qs in orphans.items()},
        }


def catalogue_load(*, path) -> dict:
    """Load one data file. Returns the document's number and code, counts of created, updated and
    unchanged rows per kind, and the codes of orphans (in the database, no longer in the file)."""
    reader = _Reader(Path(path))
    data = reader.read()
    with transaction.atomic():
        return _Writer(reader).write(data)


def catalogue_load_all(*, directory=None) -> dict:
    """Load every `*.json` of the catalogue directory, all or nothing. Returns each file's stats
    under "files" and the totals."""
    paths = sorted(Path(directory or CATALOGUE_DIR).glob("*.json"))
    result = {
        "files": [],
        "created": _empty_counts(),
        "updated": _empty_counts(),
        "unchanged": _empty_counts(),
        "orphans": _empty_orphans(),
    }
    with transaction.atomic():
        for path in paths:
            stats = catalogue_load(path=path)
            result["files"].append(stats)
            for key in ("created", "updated", "unchanged"):
                for kind, count in stats[key].items():
                    result[key][kind] += count
            for kind, codes in stats["orphans"].items():
                result["orphans"][kind].extend(codes)
    return result
