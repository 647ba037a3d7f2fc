"""统一社会信用代码 checks per GB 32100-2015.

Layout of the 18 characters: 1 登记管理部门代码, 2 机构类别代码, 3–8 登记管理机关行政区划码,
9–17 主体标识码（组织机构代码）, 18 校验码. The alphabet is the digits and the capital letters
without I, O, Z, S, V; the check character makes the weighted sum ≡ 0 (mod 31).
"""

from django.utils.translation import gettext as _

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {ch: i for i, ch in enumerate(ALPHABET)}
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
LENGTH = 18


def check_character(first17: str) -> str:
    """The check character that completes `first17` (17 valid characters)."""
    total = sum(VALUES[ch] * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def credit_code_problems(code: str, *, allow_bad_check_character: bool = False) -> list[str]:
    """Everything wrong with `code`, in words a user can act on; empty when valid."""
    code = (code or "").strip().upper()
    if len(code) != LENGTH:
        return [_("统一社会信用代码应为 18 位，当前为 %(n)d 位。") % {"n": len(code)}]
    bad = sorted({ch for ch in code if ch not in VALUES})
    if bad:
        return [
            _("统一社会信用代码含有不允许的字符：%(chars)s（只能是数字和除 I、O、Z、S、V 以外的大写字母）。")
            % {"chars": "、".join(bad)}
        ]
    if not code[2:8].isdigit():
        return [_("第 3–8 位应为登记管理机关的行政区划代码（6 位数字）。")]
    expected = check_character(code[:17])
    if code[17] != expected and not allow_bad_check_character:
        return [
            _("校验码错误：第 18 位应为 %(expected)s，而不是 %(actual)s。请核对代码是否抄错。")
            % {"expected": expected, "actual": code[17]}
        ]
    return []


def is_valid_credit_code(code: str) -> bool:
    return not credit_code_problems(code)
