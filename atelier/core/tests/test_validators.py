import pytest
from django.core.exceptions import ValidationError

from atelier.core.validators import (
    is_mobile,
    normalize_patent_number,
    org_code_check_char,
    uscc_check_char,
    validate_credit_code,
    validate_mobile,
    validate_patent_number,
)


class TestCreditCode:
    # Vectors from ../shared/reference/domain.md §5.2 (GB 32100-2015 and GB 11714).
    @pytest.mark.parametrize("code", ["91350100M000100Y43", "91330302MA2J000087"])
    def test_it_accepts_valid_codes(self, code):
        validate_credit_code(code)
        validate_credit_code(code.lower())  # normalised to upper case

    def test_check_characters_match_the_worked_example(self):
        assert uscc_check_char("91350100M000100Y4") == "3"
        assert org_code_check_char("M000100Y") == "4"
        assert org_code_check_char("MA2J0000") == "8"

    @pytest.mark.parametrize(
        "code, error",
        [
            ("91350100M000100Y4Z", "credit_code_charset"),  # Z is not in the 31-character set
            ("91350100M000100Y44", "credit_code_check"),
            ("91350100M000100Y4", "credit_code_length"),
            ("", "credit_code_length"),
            ("91350100M000100Y5X", "credit_code_check"),
        ],
    )
    def test_it_rejects_invalid_codes(self, code, error):
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(code)
        assert exc.value.code == error
        assert "统一社会信用代码" in exc.value.messages[0]

    def test_it_rejects_a_bad_embedded_organisation_code(self):
        # Same body with a wrong org-code check (9th-17th), USCC check recomputed to be valid.
        first17 = "91330302MA2J00009"
        code = first17 + uscc_check_char(first17)
        with pytest.raises(ValidationError) as exc:
            validate_credit_code(code)
        assert exc.value.code == "credit_code_org_check"


class TestMobile:
    @pytest.mark.parametrize("value", ["13800138000", "+86 138 0013 8000", "8619912345678"])
    def test_valid(self, value):
        assert is_mobile(value)
        validate_mobile(value)

    @pytest.mark.parametrize("value", ["12800138000", "1380013800", "138001380001", "abc", ""])
    def test_invalid(self, value):
        assert not is_mobile(value)
        with pytest.raises(ValidationError, match="手机号"):
            validate_mobile(value)


class TestPatentNumber:
    # Vectors from domain.md §5.3.
    @pytest.mark.parametrize(
        "value",
        [
            "201710601862.3",
            "200710308494.X",
            "95115608.X",
            "97101765.4",
            "ZL201710601862.3",
            "CN2017106018623",
        ],
    )
    def test_valid(self, value):
        validate_patent_number(value)

    def test_normalised_form(self):
        assert normalize_patent_number("ZL 2017 1060 1862.3") == "201710601862.3"

    @pytest.mark.parametrize(
        "value, code",
        [
            ("201710601862.4", "patent_check"),
            ("201750601862.3", "patent_type"),  # type digit 5 does not exist
            ("2017106018", "patent_format"),
            ("97101765.X", "patent_check"),
        ],
    )
    def test_invalid(self, value, code):
        with pytest.raises(ValidationError) as exc:
            validate_patent_number(value)
        assert exc.value.code == code
