"""统一社会信用代码 checks per GB 32100-2015.

Layout of the 18 characters: 1 登记管理部门代码, 2 机构类别代码, 3–8 登记管理机关行政区划码 (GB/T 2260),
9–17 主体标识码（组织机构代码，GB 11714-1997: 8 body characters and a check character), 18 校验码. The alphabet is
the digits and the capital letters without I, O, Z, S, V; the 18th character's value makes the weighted sum of the
first 17 (weights 3^i mod 31) ≡ 0 (mod 31).

The checks, in order: length and alphabet (never waived); characters 3–8 are six digits (never waived) and a
current GB/T 2260 code of any level, anywhere in the country (`enterprises/data/gb2260.json`); the organisation
code's check character (17th); the 18th character. A genuine old code can fail the last three: the region may have
been abolished since the code was issued, and codes issued before the rules were enforced can have wrong check
characters. An administrator who has verified such a code records an exception (`credit_code_exception`), and
`allow_bad_check_character=True` then waives exactly those three checks.
"""

import re

from django.utils.translation import gettext as _

from .reference import gb2260_abolished_name, gb2260_name

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
LENGTH = 18

# GB 11714-1997: the value of a body character is its place in 0–9, A–Z (A = 10 … Z = 35).
ORG_VALUES = {ch: i for i, ch in enumerate("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")}
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

# Pasted codes carry spaces (also inside, and the full-width U+3000) and zero-width characters.
_INVISIBLE = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff]+")
# Full-width ASCII (！ to ～, U+FF01–U+FF5E) → ASCII.
_HALF_WIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}


def normalise_credit_code(code) -> str:
    """`code` without any whitespace, full-width letters and digits made half-width, upper-cased."""
    return _INVISIBLE.sub("", str(code or "")).translate(_HALF_WIDTH).upper()


def check_character(first17: str) -> str:
    """The 18th character that completes `first17` (17 valid characters)."""
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def organisation_check_character(body8: str) -> str:
    """The GB 11714-1997 check character of an organisation code's 8 body characters (digits, capital letters):
    C9 = 11 − (Σ value × weight mod 11), written X for 10 and 0 for 11."""
    total = sum(ORG_VALUES[ch] * w for ch, w in zip(body8, ORG_WEIGHTS, strict=True))
    c9 = 11 - total % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def credit_code_problems(code: str, *, allow_bad_check_character: bool = False) -> list[str]:
    """What is wrong with `code` (normalised first), in words a user can act on; empty when valid. One problem at
    most, the first check that fails in the order of the module's docstring (a typo usually breaks both check
    characters: the user is told one thing to fix).

    `allow_bad_check_character` (an administrator's recorded exception for a verified old code) waives the checks
    an old code can genuinely fail: a region code no longer current, the organisation code's check character and
    the 18th character. Length, alphabet and the six digits of the region never are."""
    code = normalise_credit_code(code)
    if len(code) != LENGTH:
        return [_("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)}]
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        return [
            _("统一社会信用代码含有不允许的字符：%(chars)s（只能是数字和除 I、O、Z、S、V 以外的大写字母）。")
            % {"chars": "、".join(bad)}
        ]
    region = code[2:8]
    if not region.isdigit():
        return [_("第 3–8 位应为登记管理机关的行政区划代码（6 位数字）。")]
    if allow_bad_check_character:
        return []
    if gb2260_name(region) is None:
        abolished = gb2260_abolished_name(region)
        if abolished:
            return [
                _(
                    "第 3–8 位“%(code)s”（%(name)s）已不是现行的行政区划代码（GB/T 2260）。"
                    "撤销前登记的真实代码须由管理员核实后登记例外。"
                )
                % {"code": region, "name": abolished}
            ]
        return [_("第 3–8 位“%(code)s”不是有效的行政区划代码（GB/T 2260）。") % {"code": region}]
    expected = organisation_check_character(code[8:16])
    if code[16] != expected:
        return [
            _(
                "组织机构代码（第 9–17 位）校验码错误：第 17 位应为 %(expected)s，而不是 %(actual)s。"
                "请核对代码是否抄错。"
            )
            % {"expected": expected, "actual": code[16]}
        ]
    expected = check_character(code[:17])
    if code[17] != expected:
        return [
            _("校验码错误：第 18 位应为 %(expected)s，而不是 %(actual)s。请核对代码是否抄错。")
            % {"expected": expected, "actual": code[17]}
        ]
    return []


def is_valid_credit_code(code: str) -> bool:
    return not credit_code_problems(code)


def make_credit_code(region_code: str, body8: str, registration: str = "9", category: str = "1") -> str:
    """A valid credit code: `registration` (登记管理部门代码) + `category` (机构类别代码) + `region_code` (a current
    GB/T 2260 code) + `body8` + the organisation code's check character + the 18th character.
    Raises ValueError when the parts cannot make a valid code."""
    parts = [normalise_credit_code(p) for p in (registration, category, region_code, body8)]
    if [len(p) for p in parts] != [1, 1, 6, 8] or any(ch not in VALUES for ch in "".join(parts)):
        raise ValueError(f"cannot make a credit code of {registration!r}, {category!r}, {region_code!r}, {body8!r}")
    first17 = "".join(parts) + organisation_check_character(parts[3])
    code = first17 + check_character(first17)
    problems = credit_code_problems(code)
    if problems:
        raise ValueError("; ".join(problems))
    return code
