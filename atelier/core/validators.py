"""Validators for Chinese identifiers, with the algorithms of the standards that define them.

Test vectors come from ../shared/reference/domain.md §5.
"""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# GB 32100-2015 统一社会信用代码: 31 characters (no I, O, Z, S, V), weights 3^(i-1) mod 31.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
# GB 11714 organisation code (positions 9-17 of the credit code): weights on the first 8 chars.
ORG_CODE_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_USCC_RE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def uscc_check_char(first17: str) -> str:
    """The 18th character of a unified social credit code (GB 32100-2015 §5)."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def org_code_check_char(first8: str) -> str:
    """The check character of a 9-character organisation code (GB 11714-1997)."""

    def value(c: str) -> int:
        return int(c) if c.isdigit() else ord(c) - ord("A") + 10

    c9 = 11 - sum(value(c) * w for c, w in zip(first8, ORG_CODE_WEIGHTS, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c9, str(c9))


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_credit_code(value: str) -> None:
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("统一社会信用代码应为 18 位，当前为 %(n)d 位。"),
            code="credit_code_length",
            params={"n": len(code)},
        )
    if not _USCC_RE.match(code):
        raise ValidationError(
            _("统一社会信用代码含有无效字符（不使用 I、O、Z、S、V）。"), code="credit_code_charset"
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("统一社会信用代码校验位不正确，请核对后重新输入。"), code="credit_code_check"
        )
    # Positions 9-17 embed a GB 11714 organisation code with its own check character. Individual
    # businesses (个体工商户, "92…") may carry a body allotted outside GB 11714, so skip them.
    if not code.startswith("92"):
        if org_code_check_char(code[8:16]) != code[16]:
            raise ValidationError(
                _("统一社会信用代码中的组织机构代码（第 9–17 位）校验不正确。"),
                code="credit_code_org_check",
            )


# Mainland mobile numbers: 11 digits, 1 then 3-9 (MIIT numbering plan); +86 / 86 prefixes accepted.
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def normalize_mobile(value: str) -> str:
    v = re.sub(r"[\s\-()]", "", value or "")
    for prefix in ("+86", "0086", "86"):
        if v.startswith(prefix) and len(v) == 11 + len(prefix):
            v = v[len(prefix) :]
    return v


def is_mobile(value: str) -> bool:
    return bool(_MOBILE_RE.match(normalize_mobile(value)))


def validate_mobile(value: str) -> None:
    if not is_mobile(value):
        raise ValidationError(_("请输入有效的 11 位中国大陆手机号码。"), code="mobile_invalid")


# Chinese patent application numbers (CNIPA): since 2003-10-01 "YYYYTNNNNNNN.C" with weights
# 2..9,2..5 on the 12 digits; before that "YYTNNNNN.C" with weights 2..9. Check = sum mod 11, 10→X.
_PATENT_RE = re.compile(r"^(?:ZL)?(\d{8}|\d{12})\.?([0-9X])$")
PATENT_TYPES = {
    "1": gettext_lazy("发明"),
    "2": gettext_lazy("实用新型"),
    "3": gettext_lazy("外观设计"),
    "8": gettext_lazy("PCT发明"),
    "9": gettext_lazy("PCT实用新型"),
}


def patent_check_char(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5][: len(digits)]
    total = sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11
    return "X" if total == 10 else str(total)


def normalize_patent_number(value: str) -> str:
    v = (value or "").strip().upper().replace(" ", "").replace("CN", "", 1)
    m = _PATENT_RE.match(v)
    return f"{m.group(1)}.{m.group(2)}" if m else v


def validate_patent_number(value: str) -> None:
    v = (value or "").strip().upper().replace(" ", "").replace("CN", "", 1)
    m = _PATENT_RE.match(v)
    if not m:
        raise ValidationError(
            _(
                "专利申请号格式不正确，应为 12 位数字加校验位（如 201710601862.3）"
                "或 2003 年前的 8 位格式。"
            ),
            code="patent_format",
        )
    digits, check = m.groups()
    type_digit = digits[4] if len(digits) == 12 else digits[2]
    if type_digit not in PATENT_TYPES:
        raise ValidationError(
            _("专利申请号的类型位 %(t)s 无效。"), code="patent_type", params={"t": type_digit}
        )
    if patent_check_char(digits) != check:
        raise ValidationError(_("专利申请号校验位不正确。"), code="patent_check")
