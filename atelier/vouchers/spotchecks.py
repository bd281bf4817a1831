"""Random spot checks of paid voucher uses, drawn reproducibly and tracked to a result.

The draw. The population is every use of the programme paid in the year (a PAYOUT ledger entry
dated that year) that no earlier draw picked, as a sorted list of ids; the sample size is
ceil(population × rate / 100), the rate being the programme's `spot_check_percent` (≥ 5 %);
the sample is

    random.Random(int.from_bytes(sha256(seed.encode("utf-8")).digest(), "big"))
        .sample(sorted_ids, size)

(Python's Mersenne Twister, stable across versions and platforms). The seed, the population and
who drew when are stored on a SpotCheckDraw, so anyone can re-draw (`redraw()`) and get the same
sample. Draws of one programme-year partition its paid uses, so each covering ≥ 5 % of its
population covers ≥ 5 % of the year.

The result. Each SpotCheck goes pending → passed | failed (with findings, through a Workflow:
StatusChange + audit). A failure (confirmed fraud) claws the money back (`risk.clawback`, all
that was paid unless told otherwise) and blacklists the provider and/or the enterprise.
"""

import hashlib
import random
import secrets
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atelier.accounts.models import Role
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.workflow import Transition, Workflow

from . import ledger, risk
from .actions import can_review
from .models import Entry, LedgerEntry, Programme, yuan_to_fen
from .models_risk import SpotCheck, SpotCheckDraw, SpotCheckStatus

MIN_PERCENT = 5
BLACKLIST_DAYS = 3 * 365  # 三年内不得申领或承接创新券服务

S = SpotCheckStatus
SPOT_CHECK_FLOW = Workflow(
    SpotCheck,
    [
        Transition("pass", (S.PENDING,), S.PASSED, "抽查通过"),
        Transition("fail", (S.PENDING,), S.FAILED, "抽查不通过", requires_reason=True),
    ],
)


def sample_size(population: int, percent: int) -> int:
    """ceil(population × percent / 100) in integers: at least one when there is anyone."""
    return -(-population * percent // 100)


def seed_number(seed: str) -> int:
    return int.from_bytes(hashlib.sha256(str(seed).encode("utf-8")).digest(), "big")


def draw_sample(population, seed: str, size: int) -> list[int]:
    """The sample, sorted: the same population, seed and size always give the same ids."""
    ids = sorted(set(population))
    return sorted(random.Random(seed_number(seed)).sample(ids, min(size, len(ids))))


def paid_uses(programme: Programme, year: int) -> list[int]:
    """Ids of the programme's uses paid in `year` (by the ledger's payout entries)."""
    ids = LedgerEntry.objects.filter(
        programme=programme, kind=Entry.PAYOUT, year=year, use__isnull=False
    ).values_list("use_id", flat=True)
    return sorted(set(ids))


def _can_draw(actor, programme: Programme) -> bool:
    if actor is None:  # the scheduler / the command line
        return True
    return can_review(actor, programme) or bool(
        actor.is_authenticated and actor.role == Role.OPERATOR
    )


def spot_check_draw(
    *, programme: Programme, year: int, actor, seed: str | None = None
) -> SpotCheckDraw:
    """Draw the year's spot checks. A seed already used for this programme-year returns that
    draw unchanged (idempotent); `redraw()` proves it reproduces."""
    if not _can_draw(actor, programme):
        raise NotAllowed(_("只有本项目的主管部门或运营方可以抽取抽查样本。"))
    seed = (seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise ValidationError({"seed": _("随机种子不能超过 64 个字符。")})
    existing = SpotCheckDraw.objects.filter(programme=programme, year=year, seed=seed).first()
    if existing is not None:
        return existing
    rules = programme.rules()
    percent = max(MIN_PERCENT, rules.spot_check_percent if rules else MIN_PERCENT)
    try:
        with transaction.atomic():
            ledger.lock(programme)  # one draw at a time per programme
            checked = set(
                SpotCheck.objects.filter(use__voucher__programme=programme).values_list(
                    "use_id", flat=True
                )
            )
            population = [pk for pk in paid_uses(programme, year) if pk not in checked]
            if not population:
                raise ActionError(
                    _("%(year)d 年度没有尚未抽查的已拨付项目。") % {"year": year},
                    code="nothing_to_draw",
                )
            size = sample_size(len(population), percent)
            draw = SpotCheckDraw.objects.create(
                programme=programme, year=year, seed=seed, percent=percent,
                population=population, sample_size=size,
                drawn_by=actor if getattr(actor, "pk", None) else None,
            )  # fmt: skip
            SpotCheck.objects.bulk_create(
                [SpotCheck(draw=draw, use_id=pk) for pk in draw_sample(population, seed, size)]
            )
            audit.record(
                actor=actor, verb="spotcheck.draw", obj=programme,
                note=f"{year} seed={seed} {size}/{len(population)}",
            )  # fmt: skip
    except IntegrityError:
        raise Conflict(_("抽查样本刚被其他人抽取，请刷新后重试。"), code="draw_conflict") from None
    return draw


def redraw(draw: SpotCheckDraw) -> list[int]:
    """The sample again from the recorded population and seed."""
    return draw_sample(draw.population, draw.seed, draw.sample_size)


def drawn(draw: SpotCheckDraw) -> list[int]:
    """The use ids the draw recorded."""
    return sorted(draw.checks.values_list("use_id", flat=True))


def _require_reviewer(actor, check: SpotCheck) -> Programme:
    programme = check.draw.programme
    if not can_review(actor, programme):
        raise NotAllowed(_("只能处理本区县项目的抽查。"))
    return programme


def spot_check_pass(*, check: SpotCheck, actor, findings: str = "") -> SpotCheck:
    _require_reviewer(actor, check)
    with transaction.atomic():
        SPOT_CHECK_FLOW.apply(
            check, "pass", actor=actor, reason=findings,
            updates={
                "findings": (findings or "").strip(), "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )  # fmt: skip
    return check


def spot_check_fail(
    *,
    check: SpotCheck,
    actor,
    findings: str,
    clawback=None,
    blacklist: tuple[str, ...] = ("provider",),
    until: date | None = None,
) -> SpotCheck:
    """Confirmed fraud: the check fails with its findings, `clawback` yuan (default: all that
    was paid for the use and not yet recovered; "0" for none) go back to the programme, and the
    organisations named in `blacklist` ("provider", "enterprise") are barred until `until`
    (default three years)."""
    _require_reviewer(actor, check)
    findings = (findings or "").strip()
    if not findings:
        raise ValidationError({"findings": _("请写明核查发现。")})
    if set(blacklist) - {"provider", "enterprise"}:
        raise ValidationError({"blacklist": _("只能将服务机构或企业列入黑名单。")})
    use = check.use
    if clawback is None:
        fen = None
    else:
        try:
            fen = yuan_to_fen(clawback)
        except (ValueError, ArithmeticError):
            raise ValidationError({"clawback": _("金额须为数字，最多两位小数。")}) from None
        if fen < 0:
            raise ValidationError({"clawback": _("追回金额不能为负。")})
    until = until or timezone.localdate() + timedelta(days=BLACKLIST_DAYS)
    with transaction.atomic():
        if fen is None:
            fen = sum(use.ledger.values_list("d_paid", flat=True))
        SPOT_CHECK_FLOW.apply(
            check, "fail", actor=actor, reason=findings,
            updates={
                "findings": findings, "clawback_fen": fen, "decided_by": actor,
                "decided_at": timezone.now(),
            },
        )  # fmt: skip
        if fen:
            risk.clawback(use, fen, actor, note=_("抽查不通过追回"))
        orgs = {"provider": use.provider, "enterprise": use.voucher.enterprise}
        for who in blacklist:
            risk.blacklist_add(
                organization=orgs[who], until=until, actor=actor, spot_check=check,
                reason=_("创新券抽查不通过：%(f)s") % {"f": findings},
            )  # fmt: skip
    return check


audit.register_verbs({"spotcheck.draw": gettext_lazy("抽取抽查样本")})
