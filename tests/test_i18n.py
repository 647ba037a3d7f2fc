"""The interface speaks Chinese by default and English once the user picks it; the English catalogue
(locale/en/LC_MESSAGES/django.po and its compiled .mo) covers every string the source marks for translation."""

import ast
import gettext
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from enterprises.models import Enterprise, Region
from measures.models import Indicator, Measure, PolicyDocument, Section

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = BASE_DIR / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# The same directories `make messages` leaves out.
NOT_SCANNED = (".venv", "var", "node_modules", "static", "tests", ".git", ".hypothesis", ".ruff_cache")

CJK_RUN = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]+")
PUNCTUATION_ONLY = re.compile(r"^[\u3000-\u303f\uff00-\uffef]+$")


# --- a small .po reader (no third-party dependency) ----------------------------------------------


def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def read_po(path: Path) -> list[dict]:
    """Every active (not obsolete) entry, header included, as
    {"msgctxt", "msgid", "msgid_plural", "msgstr": {index: text}, "flags": set, "refs": [..]}."""
    entries: list[dict] = []
    entry: dict | None = None
    field: tuple | None = None

    def start():
        nonlocal entry
        entry = {"msgctxt": None, "msgid": None, "msgid_plural": None, "msgstr": {}, "flags": set(), "refs": []}
        entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            if not line:
                entry, field = None, None
            continue
        if line.startswith("#"):
            if entry is None or entry["msgid"] is not None:
                start()
            if line.startswith("#,"):
                entry["flags"].update(flag.strip() for flag in line[2:].split(","))
            elif line.startswith("#:"):
                entry["refs"].extend(line[2:].split())
            continue
        keyword, _sep, rest = line.partition(" ")
        if line.startswith('"'):
            kind, index = field
            if kind == "msgstr":
                entry["msgstr"][index] += _unquote(line)
            else:
                entry[kind] += _unquote(line)
            continue
        if entry is None or (keyword in ("msgid", "msgctxt") and entry["msgid"] is not None):
            start()
        if keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if keyword.startswith("msgstr[") else 0
            entry["msgstr"][index] = _unquote(rest)
            field = ("msgstr", index)
        else:
            entry[keyword] = _unquote(rest)
            field = (keyword, None)
    return [e for e in entries if e["msgid"] is not None]


def problems_in(entries: list[dict]) -> list[str]:
    """Human-readable lines for entries that are fuzzy or not (fully) translated."""
    problems = []
    for e in entries:
        if e["msgid"] == "":
            if "fuzzy" in e["flags"]:
                problems.append("the header is marked fuzzy")
            continue
        where = e["refs"][0] if e["refs"] else "?"
        if "fuzzy" in e["flags"]:
            problems.append(f"fuzzy: {e['msgid']!r} ({where})")
        expected = 2 if e["msgid_plural"] is not None else 1
        if len(e["msgstr"]) < expected or not all(e["msgstr"].values()):
            problems.append(f"untranslated: {e['msgid']!r} ({where})")
    return problems


PLACEHOLDER = re.compile(r"%(?:\([^)]+\))?[sdifr%]")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


# --- the catalogue itself --------------------------------------------------------------------------


def test_catalogue_is_complete_and_not_fuzzy():
    entries = read_po(PO_PATH)
    assert len(entries) > 500, "the English catalogue looks truncated"
    problems = problems_in(entries)
    assert not problems, "Translate these in locale/en/LC_MESSAGES/django.po:\n" + "\n".join(problems)


def test_translations_keep_their_placeholders():
    wrong = []
    for e in read_po(PO_PATH):
        if e["msgid"] == "" or "python-format" not in e["flags"]:
            continue
        for index, text in e["msgstr"].items():
            source = e["msgid"] if index == 0 or e["msgid_plural"] is None else e["msgid_plural"]
            if placeholders(text) != placeholders(source):
                wrong.append(f"{e['msgid']!r} -> {text!r}")
    assert not wrong, "Placeholders differ:\n" + "\n".join(wrong)


def test_compiled_catalogue_matches_the_po():
    """The committed .mo is compiled from the committed .po (so a checkout needs no gettext tools)."""
    with MO_PATH.open("rb") as fp:
        catalog = gettext.GNUTranslations(fp)._catalog
    stale = []
    for e in read_po(PO_PATH):
        if e["msgid"] == "":
            continue
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            if catalog.get(key) != e["msgstr"][0]:
                stale.append(e["msgid"])
        elif any(catalog.get((key, i)) != text for i, text in e["msgstr"].items()):
            stale.append(e["msgid"])
    assert not stale, "django.mo is out of date; run `make messages`. Differs for:\n" + "\n".join(stale[:20])


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs GNU gettext (apt-get install gettext)")
def test_makemessages_finds_nothing_new(tmp_path):
    """Run makemessages on a copy of the source tree: every msgid it finds must already be translated."""
    copy = tmp_path / "src"
    shutil.copytree(
        BASE_DIR,
        copy,
        symlinks=True,
        ignore=shutil.ignore_patterns(*NOT_SCANNED, "__pycache__", "*.mo", "*.pyc"),
    )
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "en",
            "--no-obsolete",
            *(f"--ignore={name}" for name in ("var", "static", "node_modules", "tests/*")),
        ],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "reform_portal.settings", "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    regenerated = read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
    problems = problems_in(regenerated)
    assert not problems, (
        "Strings marked for translation that locale/en/LC_MESSAGES/django.po does not translate "
        "(run `make messages`, translate them, then `make messages` again):\n" + "\n".join(problems)
    )


# --- the pages -------------------------------------------------------------------------------------


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def data_text() -> list[str]:
    """Chinese that legitimately stays on an English page: names and policy texts from the database."""
    parts = ["简体中文"]  # the language switcher names each language in itself
    parts += Region.objects.values_list("name", flat=True)
    parts += Enterprise.objects.values_list("name", flat=True)
    for document in PolicyDocument.objects.all():
        parts += [document.number, document.title, document.applies_to_text]
    for section in Section.objects.all():
        parts += [section.number, section.title]
    for measure in Measure.objects.all():
        parts += [measure.number, measure.title]
    for indicator in Indicator.objects.all():
        parts += [indicator.name, indicator.unit, str(indicator.target_display)]
    return sorted({str(p) for p in parts if p}, key=len, reverse=True)


def untranslated_chinese(response) -> set[str]:
    """Chinese left on the page once database texts (which are never translated) are taken out."""
    text = visible_text(response)
    for data in data_text():
        text = text.replace(data, " ")
    return {run for run in CJK_RUN.findall(text) if not PUNCTUATION_ONLY.match(run)}


@pytest.fixture
def english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    return client


@pytest.mark.django_db
def test_browser_language_is_ignored(client, users):
    client.force_login(users["officer-yn"])
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    for chinese in ("我负责的企业", "首页", "政策措施", "退出", "统计看板"):
        assert chinese in body
    for english_text in ("My enterprises", "Policy measures", "Log out"):
        assert english_text not in body


@pytest.mark.django_db
def test_home_and_navbar_in_english(english, users):
    english.force_login(users["officer-yn"])
    response = english.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en">' in body
    for text in (
        "Reform Tracker",
        "Home",
        "Policy measures",
        "Dashboard",
        "Log out",
        "My enterprises",
        "Slowest-progressing enterprises",
        "Applicable enterprises",
        "Measure completion rate",
    ):
        assert text in body, text
    for chinese in ("我负责的企业", "首页", "政策措施", "退出", "统计看板", "推进最慢的企业", "产改通"):
        assert chinese not in body, chinese
    assert not untranslated_chinese(response)


@pytest.mark.django_db
def test_enterprise_page_in_english(english, users, yn_enterprise):
    english.force_login(users["officer-yn"])
    response = english.get(f"/enterprises/{yn_enterprise.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Unified social credit code", "Location", "Ownership", "Enterprise change history", "Not started"):
        assert text in body, text
    for chinese in ("统一社会信用代码", "所在地", "企业信息变更记录", "未启动", "说明与证明材料"):
        assert chinese not in body, chinese
    assert not untranslated_chinese(response)


@pytest.mark.django_db
def test_enterprise_home_in_english(english, users, yn_enterprise):
    english.force_login(users["enterprise-yn"])
    response = english.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    for text in ("Policy measures", "Status", "Percent complete", "Not started"):
        assert text in body, text
    assert "完成百分比" not in body and "政策措施" not in body
    assert not untranslated_chinese(response)


@pytest.mark.django_db
def test_switching_back_to_chinese(english, users):
    english.force_login(users["officer-yn"])
    english.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    body = english.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "我负责的企业" in body and "My enterprises" not in body
