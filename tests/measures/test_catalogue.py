"""The policy catalogue in measures/data/catalogue/ against the raw texts it was cut from, and
its loader. The raw texts, as they arrived, are kept beside the catalogue in measures/data/sources/."""

import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from measures.catalogue import CATALOGUE_DIR, CatalogueError, catalogue_load, catalogue_load_all
from measures.choices import Addressee, Comparison, SectionKind
from measures.models import Indicator, Measure, PolicyDocument, Section

POLICY_TEXT_DIR = Path(__file__).resolve().parents[2] / "measures" / "data" / "sources"
YUNNAN = CATALOGUE_DIR / "yunnan-2022-21.json"
SHAANXI = CATALOGUE_DIR / "shaanxi-2023-21.json"
RAW_FILES = {"yn-2022-21": "yunnan-2022-21.txt", "sx-2023-21": "shaanxi-2023-21.txt"}
CLOSING = ("。", "！", "？", "”", "；")


def squeeze(text: str) -> str:
    """Whitespace removed and Shaanxi's half-width brackets made full-width."""
    return re.sub(r"\s+", "", text).replace("(", "（").replace(")", "）")


@pytest.fixture(scope="module")
def raw():
    return {code: squeeze((POLICY_TEXT_DIR / name).read_text(encoding="utf-8")) for code, name in RAW_FILES.items()}


def heading(measure: Measure) -> str:
    """The heading as printed: "1.标题。" for Yunnan's numbered measures, "（一）标题。" otherwise."""
    separator = "." if measure.number.isdigit() else ""
    return f"{measure.number}{separator}{measure.title}。"


def codes(document_code):
    return list(Measure.objects.filter(document__code=document_code).values_list("code", flat=True))


def load_json(path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_json(path, data):
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def row_counts():
    return tuple(m.objects.count() for m in (PolicyDocument, Section, Measure, Indicator))


# ---------------------------------------------------------------- what the catalogue holds


@pytest.mark.django_db
def test_documents():
    yn = PolicyDocument.objects.get(code="yn-2022-21")
    sx = PolicyDocument.objects.get(code="sx-2023-21")
    assert (yn.number, str(yn.issued_on), yn.province.code, yn.conditions) == (
        "云工通〔2022〕21号",
        "2022-09-28",
        "530000",
        {},
    )
    assert (sx.number, str(sx.issued_on), sx.province.code, sx.conditions) == (
        "陕工发〔2023〕21号",
        "2023-06-03",
        "610000",
        {
            "ownership": ["state_sole", "state_controlled"],
            "supervision_level": ["provincial", "municipal"],
            "supervisor": ["sasac"],
        },
    )
    assert "各省属企业" in sx.conditions_source and yn.conditions_source == ""
    assert yn.title == "关于发挥企业主体作用 积极推进产业工人队伍建设改革的实施意见"
    assert sx.title == "关于充分发挥国有企业在推进产业工人队伍建设改革中带动作用的实施意见"
    assert len(yn.issuing_bodies) == 6 and "云南省人民政府国有资产监督管理委员会" in yn.issuing_bodies
    assert sx.issuing_bodies == ["陕西省总工会", "陕西省人民政府国有资产监督管理委员会"]


@pytest.mark.django_db
def test_16_yunnan_and_18_shaanxi_measures_in_order():
    assert codes("yn-2022-21") == [f"YN-{n:02d}" for n in range(1, 13)] + [f"YN-S{n}" for n in range(1, 5)]
    assert codes("sx-2023-21") == [f"SX-{n:02d}" for n in range(1, 19)]
    numbers = list(Measure.objects.filter(document__code="sx-2023-21").values_list("number", flat=True))
    assert numbers[6] == "（七）" and numbers[-1] == "（十八）"
    assert all(n.startswith("（") and n.endswith("）") for n in numbers)
    assert list(Measure.objects.filter(code__startswith="YN-S").values_list("number", flat=True)) == [
        "（一）",
        "（二）",
        "（三）",
        "（四）",
    ]


@pytest.mark.django_db
def test_yunnan_sections():
    sections = {s.code: s for s in Section.objects.filter(document__code="yn-2022-21")}
    assert [(s.number, s.title, s.kind) for s in sections.values() if s.parent_id is None] == [
        ("一、", "总体要求", SectionKind.PREAMBLE),
        ("二、", "目标任务", SectionKind.PREAMBLE),
        ("三、", "主要任务和措施", SectionKind.MEASURES),
        ("四、", "服务保障", SectionKind.SUPPORT),
    ]
    groups = Section.objects.filter(parent__code="yn-s3")
    assert [(g.number, g.title, g.kind) for g in groups] == [
        ("（一）", "加强思想政治引领", SectionKind.MEASURES),
        ("（二）", "提升产业工人技术技能素质", SectionKind.MEASURES),
        ("（三）", "不断提高产业工人地位", SectionKind.MEASURES),
        ("（四）", "进一步壮大队伍", SectionKind.MEASURES),
    ]
    assert [g.measures.count() for g in groups] == [3, 4, 3, 2]
    assert list(sections["yn-s4"].measures.values_list("code", flat=True)) == ["YN-S1", "YN-S2", "YN-S3", "YN-S4"]
    assert not sections["yn-s3"].measures.exists()
    assert sections["yn-s1"].text and sections["yn-s2"].text


@pytest.mark.django_db
def test_shaanxi_sections():
    parts = Section.objects.filter(document__code="sx-2023-21")
    assert [(p.number, p.kind, p.parent_id) for p in parts] == [
        (n, SectionKind.MEASURES, None) for n in ("一、", "二、", "三、", "四、")
    ]
    assert [p.measures.count() for p in parts] == [3, 5, 6, 4]
    assert parts[2].title == "充分发挥产业工人主力军作用，促进国有企业高质量发展"


@pytest.mark.django_db
def test_titles_are_the_headings_of_the_raw_text(raw):
    for measure in Measure.objects.select_related("document"):
        assert "。" not in measure.title, measure.code
        assert squeeze(heading(measure)) in raw[measure.document.code], measure.code


@pytest.mark.django_db
def test_texts_are_whole_and_exactly_the_raw_paragraphs(raw):
    for measure in Measure.objects.select_related("document"):
        text, source = measure.text, raw[measure.document.code]
        assert "\n" not in text and text == text.strip(), measure.code
        assert text.endswith(CLOSING), measure.code
        # Nothing lost, nothing invented: heading and text together are one run of the raw text.
        assert squeeze(text) in source, measure.code
        assert squeeze(heading(measure) + text) in source, measure.code


@pytest.mark.django_db
def test_preamble_and_introduction_are_raw_text(raw):
    for section in Section.objects.filter(kind=SectionKind.PREAMBLE).select_related("document"):
        assert "\n" not in section.text and section.text.endswith("。")
        assert squeeze(section.number + section.title + section.text) in raw[section.document.code]
    for document in PolicyDocument.objects.all():
        assert squeeze(document.introduction) in raw[document.code]
        assert document.notice.endswith("。") and squeeze(document.notice) in raw[document.code]


@pytest.mark.django_db
def test_page_breaks_are_rejoined():
    joined = {
        "YN-02": "乐于参与的方式，结合身边人、身边事",
        "YN-05": "技术协作、发明创造、合理化建议",
        "YN-07": "自主开发制定评价标准规范",
        "YN-S1": "明确专人负责，做到改革工作有人抓",
        "SX-01": "党员服务队、工人先锋号等活动",
        "SX-04": "坚持尊重劳动、尊重知识、尊重人才",
        "SX-13": "创先争优劳动竞赛和创建",
        "SX-16": "注重总结改革工作的好做法好经验",
    }
    for code, fragment in joined.items():
        assert fragment in Measure.objects.get(code=code).text, code
    goals = Section.objects.get(code="yn-s2").text
    assert "组织领导力度进一步加强；企业工会在企业党组织统一领导下" in goals
    assert not goals.endswith("企") and "\n" not in goals
    for obj in [*Measure.objects.all(), *Section.objects.all()]:
        for value in (obj.number, obj.title, obj.text):
            assert "(" not in value and ")" not in value, obj.code


@pytest.mark.django_db
def test_addressees():
    expected = {
        "YN-01": Addressee.LEADERSHIP,
        "YN-S1": Addressee.LEADERSHIP,
        "YN-S2": Addressee.AUTHORITIES,
        "YN-S3": Addressee.AUTHORITIES,
        "YN-S4": Addressee.AUTHORITIES,
        "SX-01": Addressee.LEADERSHIP,
        "SX-15": Addressee.LEADERSHIP,
        "SX-17": Addressee.LEADERSHIP,
        "SX-18": Addressee.AUTHORITIES,
    }
    for measure in Measure.objects.all():
        assert measure.addressee == expected.get(measure.code, Addressee.ENTERPRISE), measure.code
    assert Measure.objects.tracked().filter(document__code="yn-2022-21").count() == 13
    assert Measure.objects.tracked().filter(document__code="sx-2023-21").count() == 17


EXPECTED_INDICATORS = {
    "YN-01-blank-teams": ("YN-01", "count", "lte", Decimal("0"), "个"),
    "YN-05-master-studios": ("YN-05", "count", "info", None, "个"),
    "YN-05-innovation-studios": ("YN-05", "count", "info", None, "个"),
    "YN-05-suggestions": ("YN-05", "count", "info", None, "条"),
    "YN-05-five-small": ("YN-05", "count", "info", None, "项"),
    "YN-05-worker-patents": ("YN-05", "count", "info", None, "项"),
    "YN-06-edu-fund": ("YN-06", "share", "gte", Decimal("8"), "%"),
    "YN-06-training-centre": ("YN-06", "boolean", "info", None, ""),
    "YN-06-training-plan": ("YN-06", "boolean", "info", None, ""),
    "YN-06-mentor-pairs": ("YN-06", "count", "info", None, "对"),
    "YN-07-self-evaluation": ("YN-07", "boolean", "info", None, ""),
    "YN-07-evaluation-standards": ("YN-07", "boolean", "true", None, ""),
    "YN-07-chief-technician-posts": ("YN-07", "count", "info", None, "个"),
    "YN-09-collective-contract": ("YN-09", "boolean", "true", None, ""),
    "YN-09-collective-contract-date": ("YN-09", "date", "info", None, ""),
    "YN-09-wage-agreement": ("YN-09", "boolean", "true", None, ""),
    "YN-09-wage-agreement-date": ("YN-09", "date", "info", None, ""),
    "YN-09-wage-codetermination": ("YN-09", "boolean", "true", None, ""),
    "YN-09-wage-growth": ("YN-09", "boolean", "true", None, ""),
    "YN-09-wage-payment": ("YN-09", "boolean", "true", None, ""),
    "YN-09-chief-technician-system": ("YN-09", "boolean", "info", None, ""),
    "YN-10-workers-congress": ("YN-10", "boolean", "true", None, ""),
    "YN-10-worker-director": ("YN-10", "boolean", "true", None, ""),
    "YN-10-worker-supervisor": ("YN-10", "boolean", "true", None, ""),
    "YN-10-open-affairs": ("YN-10", "boolean", "true", None, ""),
    "YN-10-major-issues-reviewed": ("YN-10", "boolean", "true", None, ""),
    "YN-10-major-issues-count": ("YN-10", "count", "info", None, "项"),
    "YN-11-union": ("YN-11", "boolean", "true", None, ""),
    "YN-11-membership-rate": ("YN-11", "share", "info", None, "%"),
    "YN-11-safety-training-share": ("YN-11", "share", "gte", Decimal("100"), "%"),
    "YN-11-ankang-cup": ("YN-11", "boolean", "true", None, ""),
    "YN-12-recuperation": ("YN-12", "count", "info", None, "人"),
    "YN-S1-leading-group": ("YN-S1", "boolean", "true", None, ""),
    "YN-S1-group-leader": ("YN-S1", "text", "info", None, ""),
    "YN-S1-working-body": ("YN-S1", "boolean", "true", None, ""),
    "YN-S1-working-body-name": ("YN-S1", "text", "info", None, ""),
    "YN-S1-person-in-charge": ("YN-S1", "boolean", "true", None, ""),
    "YN-S1-person-in-charge-name": ("YN-S1", "text", "info", None, ""),
    "SX-01-party-share": ("SX-01", "share", "info", None, "%"),
    "SX-01-model-posts": ("SX-01", "count", "info", None, "个"),
    "SX-01-commando-teams": ("SX-01", "count", "info", None, "支"),
    "SX-03-party-congress-share": ("SX-03", "share", "info", None, "%"),
    "SX-03-workers-congress-share": ("SX-03", "share", "info", None, "%"),
    "SX-03-youth-congress-share": ("SX-03", "share", "info", None, "%"),
    "SX-04-fund-in-full": ("SX-04", "boolean", "true", None, ""),
    "SX-04-frontline-share": ("SX-04", "share", "gte", Decimal("60"), "%"),
    "SX-04-apprenticeship": ("SX-04", "boolean", "true", None, ""),
    "SX-04-apprentices": ("SX-04", "count", "info", None, "人"),
    "SX-06-self-evaluation": ("SX-06", "boolean", "true", None, ""),
    "SX-06-evaluation-standards": ("SX-06", "boolean", "info", None, ""),
    "SX-08-craftsman-mechanism": ("SX-08", "boolean", "true", None, ""),
    "SX-08-craftsman-academy": ("SX-08", "boolean", "info", None, ""),
    "SX-09-patent-applications": ("SX-09", "count", "info", None, "项"),
    "SX-09-results-converted": ("SX-09", "count", "info", None, "项"),
    "SX-10-studios": ("SX-10", "count", "info", None, "个"),
    "SX-11-competition-coverage": ("SX-11", "share", "gte", Decimal("100"), "%"),
    "SX-13-pioneer-teams": ("SX-13", "count", "info", None, "个"),
    "SX-14-safety-contract": ("SX-14", "boolean", "true", None, ""),
    "SX-14-all-staff-responsibility": ("SX-14", "boolean", "true", None, ""),
    "SX-14-safety-training-share": ("SX-14", "share", "info", None, "%"),
    "SX-14-ankang-cup": ("SX-14", "boolean", "true", None, ""),
    "SX-15-strategy-plan": ("SX-15", "boolean", "true", None, ""),
    "SX-15-strategy-plan-document": ("SX-15", "text", "info", None, ""),
    "SX-16-institutional": ("SX-16", "boolean", "true", None, ""),
    "SX-16-institutional-document": ("SX-16", "text", "info", None, ""),
    "SX-17-party-building-assessment": ("SX-17", "boolean", "true", None, ""),
    "SX-17-leadership-assessment": ("SX-17", "boolean", "true", None, ""),
    "SX-17-union-assessment": ("SX-17", "boolean", "true", None, ""),
    "SX-17-assessment-document": ("SX-17", "text", "info", None, ""),
}


@pytest.mark.django_db
def test_indicators_and_their_targets():
    found = {
        i.code: (i.measure.code, i.kind, i.comparison, i.target, i.unit)
        for i in Indicator.objects.select_related("measure")
    }
    assert found == EXPECTED_INDICATORS
    edu = Indicator.objects.get(code="YN-06-edu-fund")
    assert edu.name == "职工教育经费提取比例" and edu.is_met(Decimal("8")) and not edu.is_met(Decimal("7.5"))
    assert Indicator.objects.get(code="YN-01-blank-teams").is_met(Decimal("0"))
    assert Indicator.objects.get(code="SX-01-party-share").is_met(Decimal("12")) is None


@pytest.mark.django_db
def test_loaded_conditions_kinds_and_derivations_are_the_files():
    for path in (YUNNAN, SHAANXI):
        data = load_json(path)
        document = PolicyDocument.objects.get(code=data["document"]["code"])
        assert document.conditions == data["document"].get("conditions", {})
        assert document.conditions_source == data["document"].get("conditions_source", "")
        for item in data["indicators"]:
            indicator = Indicator.objects.get(code=item["code"])
            expected = (item["kind"], item.get("derived_from", ""))
            assert (indicator.kind, indicator.derived_from) == expected, item["code"]
            assert indicator.conditions == item.get("conditions", {}), item["code"]
            assert indicator.conditions_source == item.get("conditions_source", ""), item["code"]


@pytest.mark.django_db
def test_indicator_sources_are_phrases_of_their_measure():
    for indicator in Indicator.objects.select_related("measure"):
        assert indicator.source_text, indicator.code
        assert squeeze(indicator.source_text) in squeeze(indicator.measure.text), indicator.code
        if indicator.comparison in (Comparison.GTE, Comparison.LTE, Comparison.EQ):
            assert indicator.target is not None, indicator.code


def test_safety_contract_indicator_explains_its_choice():
    indicator = next(i for i in load_json(SHAANXI)["indicators"] if i["code"] == "SX-14-safety-contract")
    assert indicator["note"]


# ---------------------------------------------------------------- the loader


@pytest.mark.django_db
def test_positions_follow_the_file():
    for path in (YUNNAN, SHAANXI):
        data = load_json(path)
        code = data["document"]["code"]
        assert codes(code) == [m["code"] for m in data["measures"]]
        assert list(Measure.objects.filter(document__code=code).values_list("position", flat=True)) == list(
            range(1, len(data["measures"]) + 1)
        )
        assert list(Section.objects.filter(document__code=code).values_list("code", flat=True)) == [
            s["code"] for s in data["sections"]
        ]


@pytest.mark.django_db
def test_loading_twice_creates_nothing():
    before = row_counts()
    first = catalogue_load_all()
    second = catalogue_load_all()
    assert row_counts() == before
    for stats in (first, second):
        assert sum(stats["created"].values()) == 0 and sum(stats["updated"].values()) == 0
        assert stats["unchanged"] == {"documents": 2, "sections": 12, "measures": 34, "indicators": 69}
        assert stats["orphans"] == {"sections": [], "measures": [], "indicators": []}


@pytest.mark.django_db
def test_command_prints_counts():
    out = io.StringIO()
    call_command("load_catalogue", stdout=out)
    assert "云工通〔2022〕21号" in out.getvalue() and "陕工发〔2023〕21号" in out.getvalue()
    assert "未变 16" in out.getvalue()


@pytest.mark.django_db
def test_changed_title_updates_in_place(tmp_path):
    data = load_json(YUNNAN)
    data["measures"][2]["title"] = "大力弘扬“三个精神”（修订）"
    measure = Measure.objects.get(code="YN-03")
    before = row_counts()

    stats = catalogue_load(path=write_json(tmp_path / "yunnan.json", data))

    assert stats["updated"]["measures"] == 1 and sum(stats["created"].values()) == 0
    assert row_counts() == before
    measure.refresh_from_db()
    assert measure.title == "大力弘扬“三个精神”（修订）"


@pytest.mark.django_db
def test_orphan_is_reported_not_deleted(tmp_path):
    data = load_json(YUNNAN)
    data["measures"] = [m for m in data["measures"] if m["code"] != "YN-S4"]
    data["indicators"] = [i for i in data["indicators"] if i["code"] != "YN-11-union"]
    path = write_json(tmp_path / "yunnan.json", data)

    stats = catalogue_load(path=path)

    assert stats["orphans"] == {"sections": [], "measures": ["YN-S4"], "indicators": ["YN-11-union"]}
    assert Measure.objects.filter(code="YN-S4").exists()
    assert Indicator.objects.filter(code="YN-11-union").exists()

    err = io.StringIO()
    call_command("load_catalogue", file=str(path), verbosity=0, stderr=err)
    assert "YN-S4" in err.getvalue() and "YN-11-union" in err.getvalue()


def _drop_document_number(d):
    del d["document"]["number"]


def _no_issuing_bodies(d):
    d["document"]["issuing_bodies"] = []


def _unknown_section(d):
    d["measures"][0]["section"] = "yn-nope"


def _unknown_province(d):
    d["document"]["province"] = "999999"


def _unknown_measure(d):
    d["indicators"][0]["measure"] = "YN-99"


def _missing_target(d):
    next(i for i in d["indicators"] if i["code"] == "YN-06-edu-fund")["target"] = None


def _bad_addressee(d):
    d["measures"][1]["addressee"] = "everyone"


def _duplicate_code(d):
    d["measures"][1]["code"] = "YN-01"


def _measure_in_preamble(d):
    d["measures"][0]["section"] = "yn-s1"


def _parent_after_child(d):
    d["sections"][3]["parent"] = "yn-s4"


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_drop_document_number, "number"),
        (_no_issuing_bodies, "issuing_bodies"),
        (_unknown_section, "yn-nope"),
        (_unknown_province, "999999"),
        (_unknown_measure, "YN-99"),
        (_missing_target, "目标值"),
        (_bad_addressee, "everyone"),
        (_duplicate_code, "YN-01"),
        (_measure_in_preamble, "yn-s1"),
        (_parent_after_child, "yn-s4"),
    ],
)
@pytest.mark.django_db
def test_invalid_file_gives_a_clear_error(tmp_path, change, problem):
    data = load_json(YUNNAN)
    change(data)
    path = write_json(tmp_path / "broken-yunnan.json", data)
    before = row_counts()

    with pytest.raises(CatalogueError) as excinfo:
        catalogue_load(path=path)
    assert "broken-yunnan.json" in str(excinfo.value) and problem in str(excinfo.value)
    assert row_counts() == before

    with pytest.raises(CommandError, match="broken-yunnan.json"):
        call_command("load_catalogue", file=str(path), verbosity=0)


@pytest.mark.django_db
def test_not_json_gives_a_clear_error(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"document": ', encoding="utf-8")
    with pytest.raises(CatalogueError, match="broken.json.*JSON"):
        catalogue_load(path=path)


@pytest.mark.django_db
def test_a_failure_halfway_leaves_the_database_as_it_was(tmp_path):
    data = load_json(YUNNAN)
    data["measures"][0]["title"] = "新标题"
    data["measures"][5]["title"] = "过长" * 150  # longer than the 200 characters the column holds
    path = write_json(tmp_path / "yunnan.json", data)

    with pytest.raises(CatalogueError, match="YN-06"):
        catalogue_load(path=path)
    assert Measure.objects.get(code="YN-01").title == "加强产业工人队伍党建工作"


def minimal_document(measure_code="YNT-01"):
    return {
        "document": {
            "code": "yn-test-1",
            "number": "测试〔2024〕1号",
            "title": "测试文件",
            "issuing_bodies": ["测试单位"],
            "issued_on": "2024-01-01",
            "province": "530000",
        },
        "sections": [{"code": "yn-test-s1", "number": "一、", "title": "任务", "kind": "measures", "parent": None}],
        "measures": [
            {
                "code": measure_code,
                "number": "1",
                "title": "测试措施",
                "text": "测试正文。",
                "section": "yn-test-s1",
                "addressee": "enterprise",
            }
        ],
        "indicators": [
            {
                "code": "YNT-01-x",
                "measure": measure_code,
                "name": "测试指标",
                "kind": "share",
                "unit": "%",
                "comparison": "gte",
                "target": 5,
            }
        ],
    }


@pytest.mark.django_db
def test_a_third_document_needs_only_a_data_file(tmp_path):
    write_json(tmp_path / "test-2024-1.json", minimal_document())

    stats = catalogue_load_all(directory=tmp_path)

    assert stats["created"] == {"documents": 1, "sections": 1, "measures": 1, "indicators": 1}
    assert Indicator.objects.get(code="YNT-01-x").target == Decimal("5")
    assert Measure.objects.get(code="YNT-01").document.province.code == "530000"


@pytest.mark.django_db
def test_a_code_of_another_document_is_refused(tmp_path):
    path = write_json(tmp_path / "other.json", minimal_document(measure_code="YN-01"))
    with pytest.raises(CatalogueError, match="YN-01.*云工通"):
        catalogue_load(path=path)
    assert Measure.objects.get(code="YN-01").document.code == "yn-2022-21"
