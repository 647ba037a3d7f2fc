"""统一社会信用代码 checks (GB 32100-2015): real codes pass, each kind of fault is refused with a
message that names what is wrong, and the check character catches every single-character typo.
Pure functions: no database."""

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
)

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

VALID = "91440300708461136T"


@pytest.fixture(autouse=True)
def chinese_messages():
    with translation.override("zh-hans"):
        yield


def other_alphabet_char(ch: str) -> str:
    return ALPHABET[(ALPHABET.index(ch) + 1) % len(ALPHABET)]


@pytest.mark.parametrize("code", list(REAL_CODES), ids=list(REAL_CODES.values()))
def test_real_company_codes_pass(code):
    assert credit_code_problems(code) == []
    assert is_valid_credit_code(code)
    assert check_character(code[:17]) == code[17]


@pytest.mark.parametrize("code", ["9144030071526726xg", "  91110108551385082q  ", "\t914403001922038216\n"])
def test_lower_case_and_surrounding_space_are_tolerated(code):
    assert is_valid_credit_code(code)


@pytest.mark.parametrize("code", list(REAL_CODES))
def test_wrong_check_character_names_the_expected_one(code):
    wrong = other_alphabet_char(code[17])
    problems = credit_code_problems(code[:17] + wrong)
    assert len(problems) == 1
    assert f"第 18 位应为 {code[17]}，而不是 {wrong}" in problems[0]


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
        ("-", "-"),
        (".", "."),
        ("*", "*"),
        ("码", "码"),
        ("０", "０"),  # full-width zero
    ],
)
def test_forbidden_character_is_named(bad, named):
    code = VALID[:10] + bad + VALID[11:]
    assert len(code) == LENGTH
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert f"不允许的字符：{named}（" in problems[0]


def test_every_forbidden_character_is_listed_once_in_order():
    problems = credit_code_problems("9S440300708461136S")  # S twice, named once
    assert "不允许的字符：S（" in problems[0]
    problems = credit_code_problems("9Z4403007O8461136I")
    assert "不允许的字符：I、O、Z（" in problems[0]


@pytest.mark.parametrize("region", ["44A300", "4403B0", "ABCDEF", "44030X"])
def test_non_digit_region_is_refused(region):
    body = VALID[:2] + region + VALID[8:17]
    code = body + check_character(body)  # the check character is right: only the region is wrong
    problems = credit_code_problems(code)
    assert len(problems) == 1
    assert "第 3–8 位" in problems[0]
    assert "行政区划代码" in problems[0]


@pytest.mark.parametrize("code", list(REAL_CODES))
def test_allow_bad_check_character_accepts_only_check_character_faults(code):
    wrong = code[:17] + other_alphabet_char(code[17])
    assert credit_code_problems(wrong, allow_bad_check_character=True) == []
    assert credit_code_problems(code, allow_bad_check_character=True) == []
    # every other fault is still refused
    assert "当前为 17 位" in credit_code_problems(wrong[:17], allow_bad_check_character=True)[0]
    assert "当前为 19 位" in credit_code_problems(wrong + "1", allow_bad_check_character=True)[0]
    with_forbidden = wrong[:9] + "O" + wrong[10:]
    assert "不允许的字符：O" in credit_code_problems(with_forbidden, allow_bad_check_character=True)[0]
    with_letter_region = wrong[:3] + "A" + wrong[4:]
    assert "第 3–8 位" in credit_code_problems(with_letter_region, allow_bad_check_character=True)[0]


def test_weights_are_powers_of_three_mod_31():
    assert WEIGHTS == tuple(pow(3, i, 31) for i in range(17))


def test_every_weight_is_a_unit_mod_31():
    # Why a single substitution is always caught: changing position i by d (0 < |d| < 31) moves the
    # weighted sum by w_i * d, which is 0 mod 31 only if 31 divides w_i or d — and 31 is prime.
    assert all(w % 31 != 0 for w in WEIGHTS)
    assert len(ALPHABET) == 31
    for w in WEIGHTS:
        assert all((w * d) % 31 != 0 for d in range(1, 31))


def random_body(rng: random.Random) -> str:
    first_two = rng.choice("123456789ABCDEFGHJKLMNPQRTUWXY") + rng.choice(ALPHABET)
    region = "".join(rng.choice("0123456789") for _ in range(6))
    subject = "".join(rng.choice(ALPHABET) for _ in range(9))
    return first_two + region + subject


@pytest.mark.parametrize("seed", range(8))
def test_check_character_completes_random_bodies_and_catches_every_single_substitution(seed):
    rng = random.Random(seed)
    for _ in range(40):
        body = random_body(rng)
        code = body + check_character(body)
        assert is_valid_credit_code(code), code
        for position in range(LENGTH):
            for replacement in ALPHABET:
                if replacement == code[position]:
                    continue
                typo = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_credit_code(typo), (code, typo)
                if position == LENGTH - 1 or (replacement.isdigit() or not 2 <= position < 8):
                    # with a digit region the fault can only be the check character
                    problems = credit_code_problems(typo)
                    assert "校验码错误" in problems[0]
                    assert credit_code_problems(typo, allow_bad_check_character=True) == []


def test_check_character_is_from_the_alphabet_and_covers_it():
    rng = random.Random(2015)
    seen = {check_character(random_body(rng)) for _ in range(3000)}
    assert seen == set(ALPHABET)
