"""统一社会信用代码 checks (GB 32100-2015): real codes pass, each kind of fault is refused with a
message that names what is wrong, the check characters catch every single-character typo, and an
administrator's exception waives exactly the checks a genuine old code can fail.

Validity here is decided independently of the code under test: `expected_org_check` and `is_valid_by_definition`
restate GB 11714-1997 and GB 32100-2015 in a different form, regions are looked up in gb2260.json read directly,
and the real codes below pass both (as their companies' codes must). Pure functions: no database."""

import json
import random

import pytest
from django.utils import translation

from enterprises.credit_code import (
    ALPHABET,
    LENGTH,
    WEIGHTS,
    check_character,
    credit_code_problems,
    is_valid_credit_code,
    make_credit_code,
    normalise_credit_code,
    organisation_check_character,
)
from enterprises.reference import GB2260_PATH

# Codes of real, well-known companies, as they appear together with the company's name in public
# records and public source code (e-signature SDK tests, company-data API fixtures, the AIGC
# content labels these companies put on generated content).
REAL_CODES = {
    "91440300708461136T": "深圳市腾讯计算机系统有限公司",
    "9144030071526726XG": "腾讯科技（深圳）有限公司",
    "914403001922038216": "华为技术有限公司",
    "91330100799655058B": "阿里巴巴（中国）有限公司",
    "91110000802100433B": "百度在线网络技术（北京）有限公司",
    "91110108551385082Q": "小米科技有限责任公司",
    "91440300192241158P": "深圳能源集团股份有限公司",
}

# Organisation codes (GB 11714-1997, body-check) of public bodies, as published in a public code comment:
# 中共温州市委办公室, 组织部, 老干部局, and one whose check character is X.
REAL_ORGANISATION_CODES = ["002518057", "002518073", "002518081", "00251809X"]

VALID = "91440300708461136T"

GB2260 = json.loads(GB2260_PATH.read_text(encoding="utf-8"))


def expected_org_check(body8: str) -> str:
    """GB 11714-1997 restated: values 0–9 and A–Z = 10–35 (base 36), weights 3 7 9 10 5 8 4 2, the check
    character is (11 − sum mod 11) mod 11 written as a digit, or X for 10."""
    total = sum(int(ch, 36) * w for ch, w in zip(body8, [3, 7, 9, 10, 5, 8, 4, 2], strict=True))
    return "0123456789X"[(11 - total % 11) % 11]


def is_valid_by_definition(code: str) -> bool:
    """GB 32100-2015 restated: 18 characters of the alphabet, characters 3–8 a current GB/T 2260 code, 9–17 an
    organisation code, and the 18th's value plus the weighted sum of the first 17 (weights 3^i mod 31) ≡ 0 mod 31."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return (
        len(code) == 18
        and all(ch in alphabet for ch in code)
        and code[2:8] in GB2260["codes"]
        and expected_org_check(code[8:16]) == code[16]
        and (sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(code[:17])) + alphabet.index(code[17])) % 31
        == 0
    )


def build(first8: str, body8: str) -> str:
    """A code with both check characters computed by the restated rules (whatever `first8` holds)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    first17 = first8 + body8 + expected_org_check(body8)
    total = sum(alphabet.index(ch) * pow(3, i, 31) for i, ch in enumerate(first17))
    return first17 + alphabet[-total % 31]


# A six-digit number that is not a code of the national list; an abolished county code the package still lists.
NOT_A_REGION = next(f"{n:06d}" for n in range(530199, 999999) if f"{n:06d}" not in GB2260["codes"])
ABOLISHED_REGION, ABOLISHED_NAME = "532331", GB2260["abolished"]["532331"]  # 禄丰县, since 禄丰市 532302


@pytest.fixture(autouse=True)
def chinese_messages():
    with translation.override("zh-hans"):
        yield


def other_alphabet_char(ch: str) -> str:
    return ALPHABET[(ALPHABET.index(ch) + 1) % len(ALPHABET)]


# ---- real codes, and the restated rules agreeing with them ----


@pytest.mark.parametrize("code", list(REAL_CODES), ids=list(REAL_CODES.values()))
def test_real_company_codes_pass(code):
    assert is_valid_by_definition(code)
    assert credit_code_problems(code) == []
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]
    assert organisation_check_character(code[8:16]) == code[16]


@pytest.mark.parametrize("org_code", REAL_ORGANISATION_CODES)
def test_real_organisation_codes_have_their_check_character(org_code):
    assert expected_org_check(org_code[:8]) == org_code[8]
    assert organisation_check_character(org_code[:8]) == org_code[8]


def test_organisation_check_character_covers_x_and_0_and_letters():
    rng = random.Random(11714)
    bodies = ["".join(rng.choice("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(8)) for _ in range(3000)]
    assert {organisation_check_character(b) for b in bodies} == set("0123456789X")
    assert all(organisation_check_character(b) == expected_org_check(b) for b in bodies)


# ---- normalisation ----


@pytest.mark.parametrize(
    "raw",
    [
        "91440300708461136t",
        "  91440300708461136T  ",
        "\t91440300708461136T\n",
        "9144 0300 7084 6113 6T",  # grouped as people write it
        "91440300\u3000708461136T",  # full-width space
        "９１４４０３００７０８４６１１３６Ｔ",  # full-width digits and letter
        "９１４４０３００　７０８４６１１３６ｔ",  # full-width lower-case, full-width space
        "\u200b91440300708461136T\ufeff",  # zero-width space, byte-order mark from a pasted cell
    ],
)
def test_normalisation_strips_spaces_and_makes_full_width_half_width(raw):
    assert normalise_credit_code(raw) == VALID
    assert credit_code_problems(raw) == []
    assert is_valid_credit_code(raw)


def test_normalisation_of_nothing_and_of_what_it_cannot_fix():
    assert normalise_credit_code(None) == "" and normalise_credit_code("   ") == ""
    assert normalise_credit_code("９１－ab") == "91-AB"  # a full-width hyphen becomes a hyphen, which stays refused


# ---- length and alphabet (never waived) ----


@pytest.mark.parametrize(
    "code, length",
    [
        (VALID[:17], 17),
        (VALID + "0", 19),
        ("", 0),
        ("   ", 0),
        (None, 0),
        ("9", 1),
        (VALID + VALID, 36),
    ],
)
def test_wrong_length_is_refused_with_the_length(code, length):
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert "18 位" in problems[0]
    assert f"当前为 {length} 位" in problems[0]
    assert not is_valid_credit_code(code)
    assert credit_code_problems(code, allow_bad_check_character=True) == problems


@pytest.mark.parametrize(
    "bad, named",
    [
        ("I", "I"),
        ("O", "O"),
        ("Z", "Z"),
        ("S", "S"),
        ("V", "V"),
        ("i", "I"),  # upper-cased first, then refused as I
        ("o", "O"),
        ("ｏ", "O"),  # full-width o: made half-width and upper-cased, then refused
        ("-", "-"),
        (".", "."),
        ("*", "*"),
        ("码", "码"),
    ],
)
def test_forbidden_character_is_named(bad, named):
    code = VALID[:10] + bad + VALID[11:]
    assert len(code) == LENGTH
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert f"不允许的字符：{named}（" in problems[0]
    assert credit_code_problems(code, allow_bad_check_character=True) == problems


def test_every_forbidden_character_is_listed_once_in_order():
    problems = credit_code_problems("9S440300708461136S")  # S twice, named once
    assert "不允许的字符：S（" in problems[0]
    problems = credit_code_problems("9Z4403007O8461136I")
    assert "不允许的字符：I、O、Z（" in problems[0]


# ---- characters 3–8: the registering authority's region (GB/T 2260) ----


@pytest.mark.parametrize("region", ["44A300", "4403B0", "ABCDEF", "44030X"])
def test_non_digit_region_is_refused_even_with_an_exception(region):
    code = build(VALID[:2] + region, VALID[8:16])  # both check characters right: only the region is wrong
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert "第 3–8 位" in problems[0] and "行政区划代码" in problems[0]
    assert credit_code_problems(code, allow_bad_check_character=True) == problems


@pytest.mark.parametrize("region", ["530100", "530102", "610403", "110000", "110108", "650000", "820000"])
def test_a_current_region_of_any_level_anywhere_passes(region):
    code = build("91" + region, "MA6K1234")
    assert is_valid_by_definition(code)
    assert credit_code_problems(code) == []


def test_a_number_that_is_no_region_is_refused_by_name():
    assert NOT_A_REGION not in GB2260["codes"] and NOT_A_REGION not in GB2260["abolished"]
    code = build("91" + NOT_A_REGION, VALID[8:16])
    assert not is_valid_by_definition(code)
    assert credit_code_problems(code) == [f"第 3–8 位“{NOT_A_REGION}”不是有效的行政区划代码（GB/T 2260）。"]


def test_yangling_portal_code_is_no_region():
    code = build("91619900", VALID[8:16])
    assert credit_code_problems(code) == ["第 3–8 位“619900”不是有效的行政区划代码（GB/T 2260）。"]


def test_an_abolished_region_is_named_and_needs_an_exception():
    assert ABOLISHED_REGION not in GB2260["codes"]
    code = build("91" + ABOLISHED_REGION, VALID[8:16])
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert f"“{ABOLISHED_REGION}”（{ABOLISHED_NAME}）已不是现行的行政区划代码" in problems[0]
    assert credit_code_problems(code, allow_bad_check_character=True) == []


# ---- characters 9–17: the organisation code (GB 11714-1997) ----


@pytest.mark.parametrize("code", list(REAL_CODES))
def test_wrong_organisation_check_character_names_the_expected_one(code):
    wrong = "0" if code[16] != "0" else "1"
    typo = code[:16] + wrong
    typo = typo + check_character(typo)  # the 18th made right again: only the organisation code is wrong
    assert not is_valid_by_definition(typo)
    problems = credit_code_problems(typo)
    assert len(problems) == 1
    assert "组织机构代码" in problems[0]
    assert f"第 17 位应为 {code[16]}，而不是 {wrong}" in problems[0]
    assert credit_code_problems(typo, allow_bad_check_character=True) == []


def test_organisation_check_character_x_is_accepted_and_required():
    body8 = next(b for b in (f"MA{n:06d}" for n in range(10**6)) if expected_org_check(b) == "X")
    code = build("91530100", body8)
    assert code[16] == "X" and credit_code_problems(code) == []
    other = code[:16] + "0"
    other += check_character(other)
    assert "第 17 位应为 X，而不是 0" in credit_code_problems(other)[0]


# ---- character 18 (GB 32100) ----


@pytest.mark.parametrize("code", list(REAL_CODES))
def test_wrong_check_character_names_the_expected_one(code):
    wrong = other_alphabet_char(code[17])
    problems = credit_code_problems(code[:17] + wrong)
    assert len(problems) == 1
    assert f"第 18 位应为 {code[17]}，而不是 {wrong}" in problems[0]


def test_the_first_fault_is_reported_alone():
    code = build("91" + NOT_A_REGION, VALID[8:16])
    typo = code[:16] + ("0" if code[16] != "0" else "1") + other_alphabet_char(code[17])
    problems = credit_code_problems(typo)
    assert len(problems) == 1 and problems[0].startswith(f"第 3–8 位“{NOT_A_REGION}”")
    typo = VALID[:16] + ("0" if VALID[16] != "0" else "1") + other_alphabet_char(VALID[17])
    problems = credit_code_problems(typo)
    assert len(problems) == 1 and problems[0].startswith("组织机构代码（第 9–17 位）校验码错误")


# ---- the administrator's exception ----


@pytest.mark.parametrize("code", list(REAL_CODES))
def test_exception_waives_exactly_the_checks_an_old_code_can_fail(code):
    wrong18 = code[:17] + other_alphabet_char(code[17])
    wrong17 = code[:16] + ("0" if code[16] != "0" else "1") + code[17]
    old_region = build("91" + ABOLISHED_REGION, code[8:16])
    everything_old = old_region[:16] + ("0" if old_region[16] != "0" else "1") + other_alphabet_char(old_region[17])
    for genuine_old in (wrong18, wrong17, old_region, everything_old):
        assert credit_code_problems(genuine_old) != []
        assert credit_code_problems(genuine_old, allow_bad_check_character=True) == []
    assert credit_code_problems(code, allow_bad_check_character=True) == []
    # what is never waived
    assert "当前为 17 位" in credit_code_problems(wrong18[:17], allow_bad_check_character=True)[0]
    assert "当前为 19 位" in credit_code_problems(wrong18 + "1", allow_bad_check_character=True)[0]
    with_forbidden = wrong18[:9] + "O" + wrong18[10:]
    assert "不允许的字符：O" in credit_code_problems(with_forbidden, allow_bad_check_character=True)[0]
    with_letter_region = wrong18[:3] + "A" + wrong18[4:]
    assert "第 3–8 位" in credit_code_problems(with_letter_region, allow_bad_check_character=True)[0]


# ---- making codes ----


@pytest.mark.parametrize("seed", range(4))
def test_make_credit_code_makes_valid_codes(seed):
    rng = random.Random(seed)
    regions = sorted(GB2260["codes"])
    for _ in range(200):
        region = rng.choice(regions)
        body8 = "".join(rng.choice(ALPHABET) for _ in range(8))
        registration, category = rng.choice("159ABCDEGJNPQRY"), rng.choice("123")
        code = make_credit_code(region, body8, registration=registration, category=category)
        assert code[:16] == registration + category + region + body8
        assert is_valid_by_definition(code), code
        assert credit_code_problems(code) == []


def test_make_credit_code_defaults_to_a_company():
    assert make_credit_code("440300", "70846113") == VALID  # 9 工商, 1 企业: 深圳市腾讯计算机系统有限公司
    assert make_credit_code("440300", "７０８４ ６１１３") == VALID  # normalised like any code


@pytest.mark.parametrize(
    "args",
    [
        ("44030", "70846113"),  # region too short
        ("44030A", "70846113"),  # region not digits
        (NOT_A_REGION, "70846113"),  # no region
        ("619900", "70846113"),  # the portal's own code for 杨凌示范区
        ("440300", "7084611"),  # body too short
        ("440300", "708461130"),  # body too long
        ("440300", "7084611O"),  # O is not in the alphabet
        ("440300", "7084611码"),
    ],
)
def test_make_credit_code_refuses_parts_that_cannot_make_a_valid_code(args):
    with pytest.raises(ValueError):
        make_credit_code(*args)
    with pytest.raises(ValueError):
        make_credit_code("440300", "70846113", registration="91")


# ---- the check characters' power ----


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_every_weight_is_a_unit_mod_31():
    # Why a single substitution is always caught: changing position i by d (0 < |d| < 31) moves the
    # weighted sum by w_i * d, which is 0 mod 31 only if 31 divides w_i or d — and 31 is prime.
    assert all(w % 31 != 0 for w in WEIGHTS)
    assert len(ALPHABET) == 31
    for w in WEIGHTS:
        assert all((w * d) % 31 != 0 for d in range(1, 31))


def random_code(rng: random.Random, regions: list[str]) -> str:
    first = rng.choice("123456789ABCDEFGHJKLMNPQRTUWXY") + rng.choice(ALPHABET)
    return build(first + rng.choice(regions), "".join(rng.choice(ALPHABET) for _ in range(8)))


@pytest.mark.parametrize("seed", range(4))
def test_every_single_substitution_is_caught_and_only_region_digits_survive_the_exception(seed):
    rng = random.Random(seed)
    regions = sorted(GB2260["codes"])
    for _ in range(25):
        code = random_code(rng, regions)
        assert is_valid_credit_code(code), code
        for position in range(LENGTH):
            for replacement in ALPHABET:
                if replacement == code[position]:
                    continue
                typo = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_by_definition(typo)
                assert not is_valid_credit_code(typo), (code, typo)
                waived = credit_code_problems(typo, allow_bad_check_character=True) == []
                assert waived == (not 2 <= position < 8 or replacement.isdigit()), (code, typo)


def test_check_character_is_from_the_alphabet_and_covers_it():
    rng = random.Random(2015)
    regions = sorted(GB2260["codes"])
    seen = {check_character(random_code(rng, regions)[:17]) for _ in range(3000)}
    assert seen == set(ALPHABET)
