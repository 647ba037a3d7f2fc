"""The regions shipped in enterprises/data/regions.json and their loader."""

import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from enterprises.choices import RegionLevel
from enterprises.models import Region
from enterprises.reference import REGIONS_PATH, ReferenceDataError, echarts_names, regions_load, regions_read

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
    "610403": "杨凌示范区",
}


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
    yangling = Region.objects.get(code="610403")
    assert yangling.parent.code == "610000"
    assert yangling.province.name == "陕西省"


@pytest.mark.django_db
def test_every_prefecture_hangs_under_a_province():
    assert Region.objects.filter(level=RegionLevel.PREFECTURE).count() == 27
    assert not Region.objects.filter(level=RegionLevel.PREFECTURE).exclude(parent__level=RegionLevel.PROVINCE).exists()


def test_file_notes_why_yangling_borrows_610403():
    entry = next(e for e in regions_read() if e["code"] == "610403")
    assert entry["name"] == "杨凌示范区"
    assert "杨陵区" in entry["note"] and "610403" in entry["note"]


def test_echarts_names_are_the_full_map_names():
    names = echarts_names()
    assert names["530000"] == "云南" and names["610000"] == "陕西"
    for code, name in {**YUNNAN, **SHAANXI}.items():
        if code != "610403":
            assert names[code] == name
    # No area of its own on the ECharts map: 杨凌 is drawn inside 咸阳市.
    assert names["610403"] == "咸阳市"


@pytest.mark.django_db
def test_loading_again_changes_nothing():
    before = list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent_id", "updated_at"))
    stats = regions_load()
    assert stats == {"created": 0, "updated": 0, "unchanged": 29, "total": 29}
    assert list(Region.objects.order_by("code").values_list("pk", "code", "name", "parent_id", "updated_at")) == before


@pytest.mark.django_db
def test_changed_name_updates_in_place_and_nothing_is_deleted(tmp_path):
    data = json.loads(REGIONS_PATH.read_text(encoding="utf-8"))
    for entry in data["regions"]:
        if entry["code"] == "530100":
            entry["name"] = "昆明市（测试）"
    data["regions"] = [e for e in data["regions"] if e["code"] != "533400"]
    path = tmp_path / "regions.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    kunming_pk = Region.objects.get(code="530100").pk

    stats = regions_load(path=path)

    assert stats["created"] == 0 and stats["updated"] == 1
    assert Region.objects.get(code="530100").name == "昆明市（测试）"
    assert Region.objects.get(code="530100").pk == kunming_pk
    assert Region.objects.filter(code="533400").exists()


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda regions: regions[1].update(parent="999999"), "999999"),
        (lambda regions: regions[1].pop("echarts_name"), "echarts_name"),
        (lambda regions: regions[1].update(code="53010"), "6 位数字"),
        (lambda regions: regions[1].update(level="county"), "county"),
        (lambda regions: regions.append(dict(regions[1])), "重复"),
    ],
)
@pytest.mark.django_db
def test_invalid_file_is_refused_with_a_clear_message(tmp_path, change, problem):
    data = json.loads(REGIONS_PATH.read_text(encoding="utf-8"))
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
