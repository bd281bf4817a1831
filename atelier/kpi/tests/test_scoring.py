"""Scoring rules and progress judgement (pure functions; no database)."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from atelier.core.errors import ActionError

from .. import progress, scoring
from ..models import Aggregation, Direction, RuleKind

D = Decimal


def row(rule=RuleKind.LINEAR, weight="10", cap="1.00", bands=(), direction=Direction.HIGHER,
        aggregation=Aggregation.FLOW, pk=1):  # fmt: skip
    indicator = SimpleNamespace(direction=direction, aggregation=aggregation)
    return SimpleNamespace(
        id=pk, rule=rule, weight=D(weight), cap=D(cap), bands=list(bands), indicator=indicator
    )


class TestPoints:
    def test_linear_is_weight_times_completion_capped(self):
        assert scoring.points(row(), D("17"), D("34")) == D("5.00")
        assert scoring.points(row(), D("68"), D("34")) == D("10.00")
        assert scoring.points(row(cap="1.2"), D("68"), D("34")) == D("12.00")

    def test_no_actual_earns_nothing(self):
        assert scoring.points(row(), None, D("34")) == D("0.00")

    def test_thresholds(self):
        r = row(RuleKind.THRESHOLDS, bands=[["0.9", "0.6"], ["1", "1"], ["0.95", "0.8"]])
        assert scoring.points(r, D("34"), D("34")) == D("10.00")
        assert scoring.points(r, D("32.5"), D("34")) == D("8.00")  # 95.6 %
        assert scoring.points(r, D("31"), D("34")) == D("6.00")  # 91.2 %
        assert scoring.points(r, D("30"), D("34")) == D("0.00")
        assert "完成率≥100% 得 10 分" in scoring.rule_text(r)

    def test_pass_fail(self):
        r = row(RuleKind.PASS_FAIL, weight="50")
        assert scoring.points(r, D("70"), D("70")) == D("50.00")
        assert scoring.points(r, D("69.9"), D("70")) == D("0.00")

    def test_lower_is_better(self):
        r = row(direction=Direction.LOWER)
        assert scoring.points(r, D("24"), D("48")) == D("10.00")  # faster than the target
        assert scoring.points(r, D("96"), D("48")) == D("5.00")
        assert scoring.points(r, D("0"), D("48")) == D("10.00")

    @pytest.mark.parametrize("bands", [[], [["x", "1"]], [["1", "2"]], [["0", "1"]], "1,1"])
    def test_bad_bands_are_refused(self, bands):
        with pytest.raises(ActionError):
            scoring.clean_bands(bands)


class TestProgress:
    def test_elapsed_share(self):
        assert progress.elapsed_share(2026, date(2025, 12, 31)) == 0
        assert progress.elapsed_share(2026, date(2027, 1, 1)) == 1
        assert progress.elapsed_share(2026, date(2026, 7, 2)) == D("0.5014")  # day 183 of 365

    def test_flow_targets_are_pro_rated_by_time(self):
        targets = {(1, 2026): D("100")}
        assert progress.prorate(row(), 2026, targets, date(2026, 7, 2)) == D("50.14")

    def test_cumulative_targets_grow_from_last_years(self):
        r = row(aggregation=Aggregation.CUMULATIVE)
        targets = {(1, 2025): D("200"), (1, 2026): D("400")}
        assert progress.prorate(r, 2026, targets, date(2026, 7, 2)) == D("300.28")
        assert progress.prorate(r, 2025, targets, date(2026, 1, 5)) == D("200")

    def test_rates_and_lower_is_better_are_not_pro_rated(self):
        targets = {(1, 2026): D("70")}
        assert progress.prorate(row(aggregation=Aggregation.RATE), 2026, targets,
                                date(2026, 2, 1)) == D("70")  # fmt: skip
        assert progress.prorate(row(direction=Direction.LOWER), 2026, targets,
                                date(2026, 2, 1)) == D("70")  # fmt: skip

    def test_judge(self):
        up = Direction.HIGHER
        assert progress.judge(up, D("50"), D("50")) == "on_track"
        assert progress.judge(up, D("45"), D("50")) == "at_risk"
        assert progress.judge(up, D("44.9"), D("50")) == "behind"
        assert progress.judge(up, None, D("50")) == "no_data"
        assert progress.judge(up, D("1"), None) == "no_target"
        down = Direction.LOWER
        assert progress.judge(down, D("20"), D("24")) == "on_track"
        assert progress.judge(down, D("26"), D("24")) == "at_risk"
        assert progress.judge(down, D("40"), D("24")) == "behind"
