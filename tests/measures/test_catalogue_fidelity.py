"""Who each measure applies to and what it asks, exactly as the two policy texts say.

These tests read the catalogue files and the raw policy texts directly (no database), so they check the data
whatever the loader does with it. docs/applicability.md explains every condition, target and 仅统计 decision
tested here; a change to one of the tables below belongs with a change to that page.

- every `source_text` and `conditions_source` is a verbatim run of the (artefact-repaired) text, at the level it
  belongs to: an indicator's in its own measure's text, the document's in its notice or introduction;
- every condition is one the schema knows, and is evidenced by the words of its `conditions_source`;
- every indicator has a valid kind, a unit and comparison that fit it, and a target only where the text states a
  number (STATED_NUMBERS, each with its sentence).
"""

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from measures.catalogue import CATALOGUE_DIR
from tests.measures.test_catalogue import POLICY_TEXT_DIR, RAW_FILES, squeeze

SHARED_POLICY_DIR = Path("/work/shared/policy")
FILES = {"yn-2022-21": "yunnan-2022-21.json", "sx-2023-21": "shaanxi-2023-21.json"}

KINDS = ("boolean", "count", "share", "date", "text")
COMPARISONS = {
    "boolean": ("true", "info"),
    "count": ("gte", "lte", "eq", "info"),
    "share": ("gte", "lte", "eq", "info"),
    "date": ("info",),
    "text": ("info",),
}
NEEDS_TARGET = ("gte", "lte", "eq")
LIST_CONDITIONS = {
    "ownership": ("state_sole", "state_controlled", "state_minority", "collective", "private", "foreign", "hmt"),
    "supervision_level": ("central", "provincial", "municipal", "county", "none"),
    "supervisor": ("sasac", "other"),
    "size_class": ("large", "medium", "small", "micro"),
}
FLAG_CONDITIONS = ("above_scale", "leading", "has_board")
DERIVATIONS = {"union_founded": "boolean", "union_membership_rate": "share", "party_share": "share"}
TRACKED_ADDRESSEES = ("enterprise", "leadership")

# The words of a conditions_source that justify each condition value: a condition the sentence does not name is
# an invented one.
EVIDENCE = {
    ("ownership", "state_sole"): "国有企业",
    ("ownership", "state_controlled"): "国有企业",
    ("supervision_level", "provincial"): "省属企业",
    ("supervision_level", "municipal"): "市（区）",
    ("supervisor", "sasac"): "国资委",
    ("size_class", "large"): "大型",
    ("min_employees", 100): "百人以上",
    ("above_scale", True): "规模以上企业",
    ("leading", True): "龙头企业",
    ("has_board", True): "董事",
}

# Every condition of the catalogue, where it sits. Yunnan's document has none: it addresses every enterprise of
# the province ("企业是产业工人队伍建设改革各项政策举措落地落实的主体").
EXPECTED_CONDITIONS = {
    ("document", "sx-2023-21"): {
        "ownership": ["state_sole", "state_controlled"],
        "supervision_level": ["provincial", "municipal"],
        "supervisor": ["sasac"],
    },
    ("indicator", "YN-06-training-centre"): {"size_class": ["large"]},
    ("indicator", "YN-07-evaluation-standards"): {"leading": True},
    ("indicator", "YN-09-chief-technician-system"): {"above_scale": True},
    ("indicator", "YN-10-worker-director"): {"has_board": True},
    ("indicator", "YN-10-worker-supervisor"): {"has_board": True},
    ("indicator", "YN-11-union"): {"min_employees": 100},
    ("indicator", "SX-06-evaluation-standards"): {"leading": True},
    ("indicator", "SX-08-craftsman-academy"): {"size_class": ["large"]},
}

# The only numbers the texts state, each with the sentence that states it and the words that give the number.
# A count or share with a target not listed here is a target the text does not set.
STATED_NUMBERS = {
    "YN-01-blank-teams": ("lte", "0", "通过发展、调配、招聘等方式消除党员空白班组", "消除"),
    "YN-06-edu-fund": ("gte", "8", "鼓励企业按照职工工资总额的8%提取职工教育经费", "8%"),
    "YN-11-safety-training-share": ("gte", "100", "督促企业落实全员参与安全生产教育培训", "全员"),
    "SX-04-frontline-share": ("gte", "60", "足额提取职工教育培训经费，确保 60%用于一线职工培训", "60%"),
    "SX-11-competition-coverage": ("gte", "100", "创新开展岗位练兵、比武竞赛活动，实现主要工种竞赛全覆盖", "全覆盖"),
}

# Targets the text does not set: 仅统计, with the words that show there is no number.
STUDIOS = "支持企业创建技能大师工作室和职工（劳模）创新工作室，并按项目制方式给予经费资助"
INFO_DECISIONS = {
    "YN-05-master-studios": ("count", STUDIOS),
    "YN-05-innovation-studios": ("count", STUDIOS),
    "SX-10-studios": ("count", "积极创建劳模和工匠人才创新工作室"),
    "SX-01-party-share": ("share", "确保产业工人党员占产业工人总数的合理比例"),
}

DERIVED = {
    "YN-11-union": "union_founded",
    "YN-11-membership-rate": "union_membership_rate",
    "SX-01-party-share": "party_share",
}

# The indicators that existed before conditions and kinds came in: progress and values hang on their codes.
ORIGINAL_CODES = {
    "YN-01-blank-teams": "YN-01",
    "YN-05-master-studios": "YN-05",
    "YN-05-innovation-studios": "YN-05",
    "YN-06-edu-fund": "YN-06",
    "YN-10-workers-congress": "YN-10",
    "YN-10-worker-director": "YN-10",
    "YN-10-worker-supervisor": "YN-10",
    "YN-10-open-affairs": "YN-10",
    "YN-11-union": "YN-11",
    "SX-01-party-share": "SX-01",
    "SX-03-party-congress-share": "SX-03",
    "SX-03-workers-congress-share": "SX-03",
    "SX-03-youth-congress-share": "SX-03",
    "SX-04-fund-in-full": "SX-04",
    "SX-04-frontline-share": "SX-04",
    "SX-10-studios": "SX-10",
    "SX-11-competition-coverage": "SX-11",
    "SX-14-safety-contract": "SX-14",
}

# The obligations the texts state that issue 10 asked to track (code: kind, comparison).
OBLIGATIONS = {
    "YN-10-major-issues-reviewed": ("boolean", "true"),
    "YN-10-major-issues-count": ("count", "info"),
    "YN-S1-leading-group": ("boolean", "true"),
    "YN-S1-working-body": ("boolean", "true"),
    "YN-S1-person-in-charge": ("boolean", "true"),
    "YN-S1-person-in-charge-name": ("text", "info"),
    "YN-09-collective-contract": ("boolean", "true"),
    "YN-09-collective-contract-date": ("date", "info"),
    "YN-09-wage-agreement": ("boolean", "true"),
    "YN-09-wage-codetermination": ("boolean", "true"),
    "YN-09-wage-growth": ("boolean", "true"),
    "YN-09-wage-payment": ("boolean", "true"),
    "YN-09-chief-technician-system": ("boolean", "info"),
    "YN-07-chief-technician-posts": ("count", "info"),
    "YN-07-self-evaluation": ("boolean", "info"),
    "SX-06-self-evaluation": ("boolean", "true"),
    "YN-11-membership-rate": ("share", "info"),
    "YN-06-mentor-pairs": ("count", "info"),
    "SX-04-apprentices": ("count", "info"),
    "YN-06-training-centre": ("boolean", "info"),
    "YN-05-suggestions": ("count", "info"),
    "YN-05-five-small": ("count", "info"),
    "YN-05-worker-patents": ("count", "info"),
    "SX-09-patent-applications": ("count", "info"),
    "YN-11-ankang-cup": ("boolean", "true"),
    "SX-14-ankang-cup": ("boolean", "true"),
    "YN-11-safety-training-share": ("share", "gte"),
    "SX-14-safety-training-share": ("share", "info"),
    "YN-12-recuperation": ("count", "info"),
    "SX-01-model-posts": ("count", "info"),
    "SX-01-commando-teams": ("count", "info"),
    "SX-13-pioneer-teams": ("count", "info"),
    "SX-15-strategy-plan": ("boolean", "true"),
    "SX-15-strategy-plan-document": ("text", "info"),
    "SX-16-institutional": ("boolean", "true"),
    "SX-16-institutional-document": ("text", "info"),
    "SX-17-party-building-assessment": ("boolean", "true"),
    "SX-17-leadership-assessment": ("boolean", "true"),
    "SX-17-assessment-document": ("text", "info"),
}


def load(code):
    return json.loads((CATALOGUE_DIR / FILES[code]).read_text(encoding="utf-8"))


CATALOGUE = {code: load(code) for code in FILES}
MEASURES = {m["code"]: m for data in CATALOGUE.values() for m in data["measures"]}
INDICATORS = {i["code"]: i for data in CATALOGUE.values() for i in data["indicators"]}
DOCUMENT_OF = {i["code"]: doc for doc, data in CATALOGUE.items() for i in data["indicators"]}


@pytest.fixture(scope="module")
def raw():
    return {code: squeeze((POLICY_TEXT_DIR / name).read_text(encoding="utf-8")) for code, name in RAW_FILES.items()}


def conditioned():
    """(level, code, owner text, item) for everything of the catalogue that has conditions or a conditions_source."""
    for doc_code, data in CATALOGUE.items():
        document = data["document"]
        owner = document.get("notice", "").replace("\n", "") + "\n" + document.get("introduction", "")
        yield "document", doc_code, doc_code, owner, document
        for measure in data["measures"]:
            yield "measure", measure["code"], doc_code, measure["text"], measure
        for indicator in data["indicators"]:
            yield "indicator", indicator["code"], doc_code, MEASURES[indicator["measure"]]["text"], indicator


# ---------------------------------------------------------------- the texts


def test_repository_copies_are_the_shared_policy_texts():
    if not SHARED_POLICY_DIR.is_dir():
        pytest.skip("no shared copy of the policy texts on this machine")
    for name in RAW_FILES.values():
        assert (POLICY_TEXT_DIR / name).read_bytes() == (SHARED_POLICY_DIR / name).read_bytes(), name


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_source_text_is_a_verbatim_clause_of_its_measure(raw, code):
    indicator = INDICATORS[code]
    source = indicator.get("source_text", "")
    assert source.strip() and source == source.strip() and "\n" not in source
    assert source in MEASURES[indicator["measure"]]["text"]
    assert squeeze(source) in raw[DOCUMENT_OF[code]]


def test_conditions_sources_are_verbatim_at_their_own_level(raw):
    seen = 0
    for level, code, doc_code, owner_text, item in conditioned():
        source = item.get("conditions_source")
        if source is None:
            continue
        seen += 1
        assert source.strip() and source == source.strip() and "\n" not in source, code
        # The narrowest level: an indicator's sentence is in its own measure, the document's in its notice or
        # introduction (the notice's line break, a page layout, left out).
        assert source in owner_text, (level, code)
        assert squeeze(source) in raw[doc_code], (level, code)
    assert seen == len(EXPECTED_CONDITIONS)


# ---------------------------------------------------------------- conditions


def test_every_condition_is_the_expected_one():
    found = {(level, code): item["conditions"] for level, code, _d, _o, item in conditioned() if "conditions" in item}
    assert found == EXPECTED_CONDITIONS


def test_conditions_are_valid_and_come_with_their_sentence():
    for level, code, _doc, _owner, item in conditioned():
        conditions = item.get("conditions")
        assert (conditions is None) == (item.get("conditions_source") is None), (level, code)
        if conditions is None:
            continue
        assert conditions, (level, code)
        for key, value in conditions.items():
            if key in LIST_CONDITIONS:
                assert isinstance(value, list) and value and len(set(value)) == len(value), (code, key)
                assert set(value) <= set(LIST_CONDITIONS[key]), (code, key)
            elif key == "min_employees":
                assert isinstance(value, int) and not isinstance(value, bool) and value > 0, code
            else:
                assert key in FLAG_CONDITIONS and value is True, (code, key)


def test_every_condition_is_named_by_its_sentence():
    for level, code, _doc, _owner, item in conditioned():
        for key, value in item.get("conditions", {}).items():
            for one in value if isinstance(value, list) else [value]:
                words = EVIDENCE.get((key, one))
                assert words, f"{code}: no evidence words for {key}={one}; add them to EVIDENCE with the sentence"
                assert words in item["conditions_source"], (level, code, key, one)


def test_shaanxi_covers_state_owned_not_minority_stakes_nor_central_enterprises():
    conditions = CATALOGUE["sx-2023-21"]["document"]["conditions"]
    assert "state_minority" not in conditions["ownership"]
    assert "central" not in conditions["supervision_level"] and "county" not in conditions["supervision_level"]
    assert "各省属企业" in CATALOGUE["sx-2023-21"]["document"]["conditions_source"]


def test_yunnan_document_has_no_condition():
    document = CATALOGUE["yn-2022-21"]["document"]
    assert "conditions" not in document and "conditions_source" not in document
    assert "企业是产业工人队伍建设改革各项政策举措落地落实的主体" in document["introduction"]


def test_no_measure_carries_conditions():
    # Every sub-group sentence limits one obligation, not a whole measure: the conditions sit on indicators.
    assert not [m["code"] for m in MEASURES.values() if "conditions" in m or "conditions_source" in m]


# ---------------------------------------------------------------- kinds, comparisons, targets


@pytest.mark.parametrize("code", sorted(INDICATORS))
def test_kind_unit_comparison_and_target_fit(code):
    indicator = INDICATORS[code]
    kind, comparison, target, unit = (indicator.get(k) for k in ("kind", "comparison", "target", "unit"))
    assert kind in KINDS
    assert comparison in COMPARISONS[kind]
    assert (target is not None) == (comparison in NEEDS_TARGET)
    if kind == "share":
        assert unit == "%"
    elif kind == "count":
        assert unit and unit != "%"
    else:
        assert unit == ""
    if target is not None:
        number = Decimal(str(target))
        assert number >= 0
        if kind == "share":
            assert number <= 100


def test_targets_only_where_the_text_states_a_number():
    with_target = {c for c, i in INDICATORS.items() if i.get("target") is not None}
    assert with_target == set(STATED_NUMBERS)
    for code, (comparison, target, sentence, words) in STATED_NUMBERS.items():
        indicator = INDICATORS[code]
        assert indicator["kind"] in ("count", "share"), code
        assert (indicator["comparison"], Decimal(str(indicator["target"]))) == (comparison, Decimal(target)), code
        assert sentence in MEASURES[indicator["measure"]]["text"], code
        assert indicator["source_text"] in sentence and words in sentence, code


def test_info_where_the_text_sets_no_number():
    for code, (kind, sentence) in INFO_DECISIONS.items():
        indicator = INDICATORS[code]
        assert (indicator["kind"], indicator["comparison"], indicator["target"]) == (kind, "info", None), code
        assert sentence in MEASURES[indicator["measure"]]["text"], code
        assert not re.search(r"\d", sentence), code


def test_derived_indicators():
    found = {c: i["derived_from"] for c, i in INDICATORS.items() if "derived_from" in i}
    assert found == DERIVED
    for code, derivation in found.items():
        assert INDICATORS[code]["kind"] == DERIVATIONS[derivation], code
    assert INDICATORS["YN-11-union"]["comparison"] == "true"
    assert INDICATORS["YN-11-membership-rate"]["comparison"] == "info"
    assert INDICATORS["SX-01-party-share"]["comparison"] == "info"


def test_the_one_must_of_either_text_is_tracked():
    must = [m["code"] for m in MEASURES.values() if "必须" in m["text"]]
    assert must == ["YN-10"]
    indicator = INDICATORS["YN-10-major-issues-reviewed"]
    assert (indicator["kind"], indicator["comparison"]) == ("boolean", "true")
    assert "必须" in indicator["source_text"]


# ---------------------------------------------------------------- codes and where indicators hang


def test_original_codes_are_kept_on_their_measures():
    for code, measure in ORIGINAL_CODES.items():
        assert code in INDICATORS and INDICATORS[code]["measure"] == measure, code


def test_new_obligations_are_tracked_as_stated():
    for code, (kind, comparison) in OBLIGATIONS.items():
        assert code in INDICATORS, code
        assert (INDICATORS[code]["kind"], INDICATORS[code]["comparison"]) == (kind, comparison), code


def test_codes_names_and_measures():
    all_codes = [i["code"] for data in CATALOGUE.values() for i in data["indicators"]]
    assert len(all_codes) == len(set(all_codes))
    for code, indicator in INDICATORS.items():
        measure = MEASURES[indicator["measure"]]
        assert re.fullmatch(re.escape(measure["code"]) + r"(-[a-z0-9]+)+", code), code
        assert len(code) <= 40 and 0 < len(indicator["name"]) <= 200, code
        # Only measures tracked per enterprise carry indicators.
        assert measure["addressee"] in TRACKED_ADDRESSEES, code
    for measure_code in ("YN-S1", "SX-15", "SX-17"):
        assert MEASURES[measure_code]["addressee"] in TRACKED_ADDRESSEES
        assert any(i["measure"] == measure_code for i in INDICATORS.values()), measure_code


def test_indicators_follow_their_measures_order():
    for data in CATALOGUE.values():
        order = [m["code"] for m in data["measures"]]
        positions = [order.index(i["measure"]) for i in data["indicators"]]
        assert positions == sorted(positions)
