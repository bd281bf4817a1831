from decimal import Decimal

import pytest

from atelier.core.templatetags.atelier import yuan


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("9163683.5"), "9,163,683.50"),
        (Decimal("0.1") + Decimal("0.2"), "0.30"),
        (Decimal(150010) / 100, "1,500.10"),
        (Decimal("-200"), "-200.00"),
        ("4800", "4,800.00"),
        (None, ""),
        ("面议", "面议"),
    ],
)
def test_yuan_groups_thousands_and_keeps_two_places(value, shown):
    assert yuan(value) == shown


def test_yuan_with_other_places():
    assert yuan(Decimal("1234.567"), 0) == "1,235"


def test_fen_shows_integer_fen_as_yuan():
    from atelier.core.templatetags.atelier import fen

    assert fen(123456) == "1,234.56"
    assert fen(10) == "0.10"
    assert fen(None) == ""
