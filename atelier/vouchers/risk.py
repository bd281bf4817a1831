"""Fraud and risk checks on innovation vouchers: the party register, the flags shown to
reviewers, clawbacks and the blacklist.

Flags. Each check is a plain function of known data that returns a list of `Flag`s (code, a
Chinese title, evidence — a sentence with the concrete values — and a severity); a flag is a
reason to look closer, never a decision. `flags_for_claim()` and `flags_for_application()`
gather them for the review queues; `flags_for_use()` is the part known when a voucher is spent.

- related parties: the enterprise and the provider share a legal representative, a shareholder,
  a phone number, an address or a bank account, or one holds shares in the other (vouchers pay
  unrelated providers only). Facts come from the party register (PartyFact, recorded from
  enrolment forms, claims or by staff) and, live, from the organisation record (contact mobile,
  address). Values are compared normalised (`normalise`).
- price above the provider's published price (catalog Resource.price, Decimal yuan, compared in
  integer fen).
- invoice numbers used on another claim, compared normalised ("NO.0012-3456" = "123456"): the
  database already refuses the same issuer and the same spelling; this finds the rest.
- documents whose SHA-256 appears on another claim.
- orders split to stay under the per-draw cap: the same enterprise and provider, several uses
  within 30 days, each under the cap, together above it.
- a provider whose claims cluster on few enterprises: ≥ 5 claims in the programme year and the
  two largest enterprises ≥ 80 % of the amount claimed.
- the organisation is blacklisted, or failed a spot check before.

Clawback (`clawback()`), a ledger movement for money recovered after a failed spot check. The
use was paid: its amount sits in the voucher's `spent` bucket and in `paid`. The entry moves

    d_spent = −x, d_granted = −x      (voucher: granted = available + reserved + spent holds)
    d_unallocated = +x                (programme: budget = unallocated + granted holds)
    d_paid = −x                       (paid counts what left the treasury, net of recoveries)

so the money goes back to the programme's unallocated budget (as a reclaim does) and the
enterprise does not get it back on its voucher; an operator who must return it to the treasury
instead lowers the budget with `ledger.budget(programme, -x)`. Redeemed and paid statistics read
net of clawbacks. `ledger.check()` holds before and after.

Blacklist: `is_blacklisted(org, on=date)`; `ensure_not_blacklisted(org)` raises the error the
actions show.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from atelier.accounts.models import Role
from atelier.core import audit
from atelier.core.errors import ActionError, NotAllowed
from atelier.orgs.models import Membership, Organization

from . import ledger
from .models import (
    Application,
    Claim,
    ClaimDocument,
    Enrolment,
    EnrolmentStatus,
    Entry,
    LedgerEntry,
    Programme,
    UseStatus,
    Voucher,
    VoucherUse,
    fen_to_yuan,
    yuan_to_fen,
)
from .models_risk import (
    Blacklist,
    PartyFact,
    PartyKind,
    PartySource,
    SpotCheck,
    SpotCheckStatus,
)

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}

SPLIT_WINDOW_DAYS = 30
CLUSTER_MIN_CLAIMS = 5
CLUSTER_TOP = 2
CLUSTER_SHARE_PERCENT = 80
UNIQUE_INVOICE_DIGITS = 20  # 全电发票: 20-digit numbers, unique nationwide

# Sharing these points at one person or one purse; a shared phone or address can also be an
# agent or a business park, so it weighs less.
KIND_SEVERITY = {
    PartyKind.LEGAL_REP: HIGH,
    PartyKind.SHAREHOLDER: HIGH,
    PartyKind.BANK_ACCOUNT: HIGH,
    PartyKind.PHONE: MEDIUM,
    PartyKind.ADDRESS: MEDIUM,
}


@dataclass(frozen=True)
class Flag:
    code: str
    title: str  # Chinese (the active language)
    evidence: str  # a sentence with the concrete values
    severity: str  # HIGH | MEDIUM | LOW

    def as_dict(self) -> dict:
        return asdict(self)


def _sorted(flags: list[Flag]) -> list[Flag]:
    return sorted(flags, key=lambda f: SEVERITY_ORDER.get(f.severity, 9))


def _yuan(fen: int) -> str:
    return f"{fen_to_yuan(fen):,.2f}"


def _is(user, *roles) -> bool:
    return bool(user and user.is_authenticated and (user.is_superuser or user.role in roles))


# ---------------------------------------------------------------- the party register

_NOT_WORD = re.compile(r"[\W_]+")
_ADDRESS_PREFIXES = ("中华人民共和国", "中国", "浙江省", "浙江", "温州市", "温州")


def normalise(kind: str, raw) -> str:
    """The comparable form of a party fact; "" when nothing is left.

    phone: digits only, without +86/0086 ("0577-8888 1234" → "057788881234");
    bank_account: letters and digits, upper case; address: full-width folded (NFKC), no spaces
    or punctuation, without a leading 中国/浙江省/温州市; names (legal representative,
    shareholder): no spaces or punctuation (张 三, 张·三 → 张三), Latin letters upper case, so a
    credit code given as a shareholder compares too."""
    text = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if kind == PartyKind.PHONE:
        digits = re.sub(r"\D", "", text)
        for prefix in ("0086", "86"):
            if digits.startswith(prefix) and len(digits) - len(prefix) == 11:
                digits = digits[len(prefix) :]
        return digits
    if kind == PartyKind.BANK_ACCOUNT:
        return re.sub(r"[^0-9A-Za-z]", "", text).upper()
    text = _NOT_WORD.sub("", text).upper()
    if kind == PartyKind.ADDRESS:
        stripped = True
        while stripped:
            stripped = False
            for prefix in _ADDRESS_PREFIXES:
                if text.startswith(prefix) and len(text) > len(prefix):
                    text = text[len(prefix) :]
                    stripped = True
    return text[:200]


def _pairs(facts) -> list[tuple[str, str]]:
    """(kind, raw) pairs from a mapping {kind: raw or [raws]} or an iterable of pairs."""
    items = facts.items() if hasattr(facts, "items") else facts
    pairs = []
    for kind, raw in items:
        for one in raw if isinstance(raw, list | tuple | set) else [raw]:
            pairs.append((kind, one))
    return pairs


def record_facts(
    org: Organization, facts, actor, *, source: str = PartySource.MANUAL
) -> list[PartyFact]:
    """Record facts about `org`: {kind: value or [values]} or [(kind, value), …]. Values are
    normalised; empty ones are skipped and a fact already known is not recorded twice. Returns
    the new rows. `actor` None is the system (e.g. facts copied from a form by an action);
    otherwise staff or a member of the organisation itself."""
    if actor is not None:
        own = Membership.objects.filter(user=actor, organization=org).exists()
        if not (own or _is(actor, Role.OPERATOR, Role.REVIEWER)):
            raise NotAllowed(_("无权登记该机构的关联方信息。"))
    if source not in PartySource.values:
        raise ValidationError({"source": _("未知的信息来源。")})
    created = []
    with transaction.atomic():
        for kind, raw in _pairs(facts):
            if kind not in PartyKind.values:
                raise ValidationError({"kind": _("未知的关联方信息类型：%(k)s") % {"k": kind}})
            value = normalise(kind, raw)
            if not value:
                continue
            fact, new = PartyFact.objects.get_or_create(
                organization=org, kind=kind, value=value,
                defaults={
                    "raw": str(raw).strip()[:200], "source": source,
                    "recorded_by": actor if getattr(actor, "pk", None) else None,
                },
            )  # fmt: skip
            if new:
                created.append(fact)
        if created:
            audit.record(
                actor=actor, verb="party.record", obj=org,
                note="；".join(f"{f.get_kind_display()}：{f.raw}" for f in created)[:500],
            )  # fmt: skip
    return created


def record_facts_from_org(org: Organization, actor=None) -> list[PartyFact]:
    """Copy the organisation record's phone and address into the register."""
    return record_facts(
        org,
        [(PartyKind.PHONE, org.contact_mobile), (PartyKind.ADDRESS, org.address)],
        actor,
        source=PartySource.ORG_RECORD,
    )


def facts_of(org_ids) -> dict[int, dict[tuple[str, str], str]]:
    """{org id: {(kind, normalised value): raw}}: the register plus the live organisation
    record (contact mobile, address). Two queries whatever the number of organisations."""
    ids = set(org_ids)
    out: dict[int, dict[tuple[str, str], str]] = {pk: {} for pk in ids}
    rows = Organization.objects.filter(pk__in=ids).values_list("pk", "contact_mobile", "address")
    for pk, mobile, address in rows:
        for kind, raw in ((PartyKind.PHONE, mobile), (PartyKind.ADDRESS, address)):
            value = normalise(kind, raw)
            if value:
                out[pk][(kind, value)] = raw
    for org_id, kind, value, raw in PartyFact.objects.filter(organization_id__in=ids).values_list(
        "organization_id", "kind", "value", "raw"
    ):
        out[org_id].setdefault((kind, value), raw)
    return out


def _identities(org: Organization) -> set[str]:
    """How a shareholder entry may name this organisation: its name or its credit code."""
    names = {normalise(PartyKind.SHAREHOLDER, org.name)}
    if org.credit_code:
        names.add(normalise(PartyKind.SHAREHOLDER, org.credit_code))
    return {n for n in names if n}


def related_party_flags(
    enterprise: Organization, provider: Organization, facts: dict | None = None
) -> list[Flag]:
    """The enterprise and the provider share a legal representative, a shareholder, a phone,
    an address or a bank account, or one is a shareholder of the other."""
    facts = facts if facts is not None else facts_of([enterprise.pk, provider.pk])
    mine, theirs = facts.get(enterprise.pk, {}), facts.get(provider.pk, {})
    flags = []
    for key in sorted(mine.keys() & theirs.keys()):
        kind, _value = key
        flags.append(
            Flag(
                "related_party",
                _("疑似关联方"),
                _("企业“%(e)s”与服务机构“%(p)s”的%(kind)s相同：“%(a)s”与“%(b)s”。")
                % {
                    "e": enterprise.name,
                    "p": provider.name,
                    "kind": PartyKind(kind).label,
                    "a": mine[key],
                    "b": theirs[key],
                },
                KIND_SEVERITY[kind],
            )  # fmt: skip
        )
    for holder, held, held_facts in (
        (provider, enterprise, mine),
        (enterprise, provider, theirs),
    ):
        for (kind, value), raw in held_facts.items():
            if kind == PartyKind.SHAREHOLDER and value in _identities(holder):
                flags.append(
                    Flag(
                        "related_party",
                        _("疑似关联方"),
                        _("“%(holder)s”是“%(held)s”的股东（登记为“%(raw)s”）。")
                        % {"holder": holder.name, "held": held.name, "raw": raw},
                        HIGH,
                    )
                )
    return flags


# ---------------------------------------------------------------- price


def price_flags(use: VoucherUse) -> list[Flag]:
    """The agreed price is above the price the provider publishes for the listing."""
    resource = use.resource
    if resource is None or resource.price is None:
        return []
    published = yuan_to_fen(resource.price)
    if use.price_fen <= published:
        return []
    unit = f"（{resource.price_unit}）" if resource.price_unit else ""
    values = {
        "price": _yuan(use.price_fen), "title": resource.title,
        "published": _yuan(published), "unit": unit,
    }  # fmt: skip
    if published == 0:
        evidence = _("服务价格 %(price)s 元，而“%(title)s”公布为免费%(unit)s。") % values
        return [Flag("price_above_published", _("价格高于公布价"), evidence, HIGH)]
    percent = (use.price_fen - published) * 100 // published
    evidence = _(
        "服务价格 %(price)s 元高于“%(title)s”的公布价格 %(published)s 元%(unit)s，高出 %(pct)d%%。"
    ) % {**values, "pct": percent}
    return [
        Flag(
            "price_above_published",
            _("价格高于公布价"),
            evidence,
            HIGH if percent >= 50 else MEDIUM,
        )
    ]


# ---------------------------------------------------------------- invoices and documents


def normalise_invoice(number: str) -> str:
    """Comparable invoice number: full-width folded, letters upper case, no spaces or
    punctuation, no "NO." prefix, no leading zeros ("No. 0012-3456" → "123456")."""
    text = re.sub(r"[^0-9A-Z]", "", unicodedata.normalize("NFKC", number or "").upper())
    if text.startswith("NO") and text[2:].isdigit():
        text = text[2:]
    return text.lstrip("0") or text


def invoice_flags(claim: Claim) -> list[Flag]:
    """The claim's invoice number on another claim, by the same issuer in another spelling, or
    by another issuer (strong evidence only for 20-digit numbers, which are unique
    nationwide; older 8-digit numbers repeat across invoice codes)."""
    key = normalise_invoice(claim.invoice_no)
    if not key:
        return []
    # Narrow in SQL by the last four characters (they survive every spelling), compare in Python.
    candidates = (
        Claim.objects.exclude(pk=claim.pk)
        .filter(invoice_no__iendswith=key[-4:])
        .select_related("invoice_issuer")
        .order_by("pk")
    )
    flags = []
    for other in candidates:
        if normalise_invoice(other.invoice_no) != key:
            continue
        values = {
            "no": claim.invoice_no, "other": other.pk, "raw": other.invoice_no,
            "issuer": other.invoice_issuer.name,
        }  # fmt: skip
        if other.invoice_issuer_id == claim.invoice_issuer_id:
            evidence = _(
                "发票号码 %(no)s 已用于兑付申请 #%(other)s"
                "（同一开票方“%(issuer)s”，录入为 %(raw)s）。"
            )
            flags.append(Flag("invoice_reused", _("发票重复使用"), evidence % values, HIGH))
        else:
            evidence = _(
                "发票号码 %(no)s 与兑付申请 #%(other)s 中“%(issuer)s”开具的发票号码 %(raw)s 相同。"
            )
            severity = HIGH if len(key) >= UNIQUE_INVOICE_DIGITS else LOW
            flags.append(Flag("invoice_duplicate", _("发票号码重复"), evidence % values, severity))
    return flags


def document_flags(claim: Claim) -> list[Flag]:
    """A document of the claim with the same content (SHA-256) as one on another claim. The
    same contract on two claims of the same enterprise and provider is a framework contract and
    is not flagged."""
    docs = {d.sha256: d for d in claim.documents.all()}
    if not docs:
        return []
    use = claim.use
    others = (
        ClaimDocument.objects.filter(sha256__in=docs)
        .exclude(claim_id=claim.pk)
        .select_related("claim__use__voucher__enterprise", "claim__use__provider")
        .order_by("claim_id", "kind")
    )
    flags = []
    for other in others:
        mine = docs[other.sha256]
        ouse = other.claim.use
        same_parties = (
            ouse.voucher.enterprise_id == use.voucher.enterprise_id
            and ouse.provider_id == use.provider_id
        )
        contract = mine.kind == ClaimDocument.Kind.CONTRACT
        if contract and other.kind == ClaimDocument.Kind.CONTRACT and same_parties:
            continue
        evidence = _(
            "“%(kind)s”文件（SHA-256 %(h)s…）与兑付申请 #%(other)s"
            "（%(e)s / %(p)s）的“%(okind)s”内容完全相同。"
        ) % {
            "kind": mine.get_kind_display(), "h": other.sha256[:12], "other": other.claim_id,
            "e": ouse.voucher.enterprise.name, "p": ouse.provider.name,
            "okind": other.get_kind_display(),
        }  # fmt: skip
        flags.append(
            Flag("document_reused", _("材料重复使用"), evidence, MEDIUM if contract else HIGH)
        )
    return flags


# ---------------------------------------------------------------- split orders


def split_flags(use: VoucherUse) -> list[Flag]:
    """Several uses of the same enterprise with the same provider in the same programme, within
    30 days, each under the per-draw cap but together above it: one order split in parts to get
    round the cap. The evidence says how much merging them would have paid."""
    voucher = use.voucher
    programme = voucher.programme
    rules = programme.rules(at=use.created_at) or programme.rules()
    if rules is None:
        return []
    cap = rules.per_draw_cap_fen
    window = timedelta(days=SPLIT_WINDOW_DAYS)
    siblings = list(
        VoucherUse.objects.filter(
            voucher__programme_id=programme.pk,
            voucher__enterprise_id=voucher.enterprise_id,
            provider_id=use.provider_id,
            created_at__gte=use.created_at - window,
            created_at__lte=use.created_at + window,
            amount_fen__lt=cap,
        )
        .exclude(status__in=(UseStatus.RELEASED, UseStatus.REJECTED))
        .order_by("created_at", "pk")
    )
    if use.pk not in {u.pk for u in siblings}:
        return []
    best: list[VoucherUse] = []
    for start in siblings:
        if not start.created_at <= use.created_at <= start.created_at + window:
            continue
        group = [
            u for u in siblings if start.created_at <= u.created_at <= start.created_at + window
        ]
        if sum(u.amount_fen for u in group) > sum(u.amount_fen for u in best):
            best = group
    total = sum(u.amount_fen for u in best)
    if len(best) < 2 or total <= cap:
        return []
    merged = rules.voucher_part(sum(u.price_fen for u in best))
    dates = "、".join(
        f"{timezone.localtime(u.created_at):%m-%d} {_yuan(u.amount_fen)} 元" for u in best
    )
    evidence = _(
        "企业在 %(days)d 天内向同一服务机构使用 %(n)d 次（%(dates)s），每次都低于单次上限"
        " %(cap)s 元，合计抵扣 %(sum)s 元；合并为一笔最多可抵扣 %(merged)s 元。"
    ) % {
        "days": SPLIT_WINDOW_DAYS, "n": len(best), "dates": dates, "cap": _yuan(cap),
        "sum": _yuan(total), "merged": _yuan(merged),
    }  # fmt: skip
    return [Flag("split_order", _("疑似拆单规避上限"), evidence, HIGH)]


# ---------------------------------------------------------------- concentration


def concentration_flags(provider: Organization, programme: Programme) -> list[Flag]:
    """A provider whose claims in the programme year (same authority) come mostly from a few
    enterprises: ≥ 5 claims and the top two enterprises ≥ 80 % of the amount claimed."""
    rows = list(
        Claim.objects.filter(
            use__provider_id=provider.pk,
            use__voucher__programme__year=programme.year,
            use__voucher__programme__district_id=programme.district_id,
        )
        .exclude(use__status=UseStatus.REJECTED)
        .values("use__voucher__enterprise_id", "use__voucher__enterprise__name")
        .annotate(n=Count("pk"), fen=Sum("claimed_fen"))
        .order_by("-fen", "use__voucher__enterprise_id")
    )
    count = sum(r["n"] for r in rows)
    total = sum(r["fen"] for r in rows)
    if count < CLUSTER_MIN_CLAIMS or total <= 0:
        return []
    top = rows[:CLUSTER_TOP]
    top_fen = sum(r["fen"] for r in top)
    if top_fen * 100 < total * CLUSTER_SHARE_PERCENT:
        return []
    evidence = _(
        "服务机构“%(p)s”%(year)d 年度共 %(n)d 笔兑付申请、合计 %(total)s 元，"
        "其中 %(share)d%% 来自 %(k)d 家企业：%(top)s。"
    ) % {
        "p": provider.name, "year": programme.year, "n": count, "total": _yuan(total),
        "share": top_fen * 100 // total, "k": len(top),
        "top": "、".join(
            f"{r['use__voucher__enterprise__name']} {_yuan(r['fen'])} 元" for r in top
        ),
    }  # fmt: skip
    return [Flag("provider_concentration", _("服务对象高度集中"), evidence, MEDIUM)]


# ---------------------------------------------------------------- history


def history_flags(orgs) -> list[Flag]:
    """Organisations blacklisted now, or whose earlier vouchers failed a spot check."""
    flags = []
    today = timezone.localdate()
    for org in orgs:
        entry = blacklisting(org, on=today)
        if entry is not None:
            evidence = _("“%(o)s”被列入创新券黑名单至 %(until)s：%(reason)s") % {
                "o": org.name, "until": entry.until, "reason": entry.reason,
            }  # fmt: skip
            flags.append(Flag("blacklisted", _("黑名单"), evidence, HIGH))
        failed = SpotCheck.objects.filter(status=SpotCheckStatus.FAILED).filter(
            use__provider_id=org.pk
        ) | SpotCheck.objects.filter(
            status=SpotCheckStatus.FAILED, use__voucher__enterprise_id=org.pk
        )
        n = failed.count()
        if n:
            evidence = _("“%(o)s”有 %(n)d 次抽查未通过。") % {"o": org.name, "n": n}
            flags.append(Flag("spot_check_failed", _("抽查未通过记录"), evidence, HIGH))
    return flags


# ---------------------------------------------------------------- per object


def flags_for_use(use: VoucherUse) -> list[Flag]:
    """What is known when the voucher is spent: related parties, price, split orders."""
    enterprise = use.voucher.enterprise
    flags = related_party_flags(enterprise, use.provider) + price_flags(use) + split_flags(use)
    return _sorted(flags)


def flags_for_claim(claim: Claim) -> list[Flag]:
    """Every flag on a redemption claim, most severe first."""
    use = claim.use
    voucher = use.voucher
    flags = (
        related_party_flags(voucher.enterprise, use.provider)
        + price_flags(use)
        + invoice_flags(claim)
        + document_flags(claim)
        + split_flags(use)
        + concentration_flags(use.provider, voucher.programme)
        + history_flags([voucher.enterprise, use.provider])
    )
    return _sorted(flags)


def flags_for_application(application: Application) -> list[Flag]:
    """Flags on a quota application: the enterprise is related to a provider enrolled in the
    programme (it may not spend the voucher there), or to another enterprise that applied in the
    same year and area (one business split to multiply the yearly cap); blacklist and failed
    spot checks."""
    enterprise = application.enterprise
    programme = application.programme
    providers = set(
        Enrolment.objects.filter(programme=programme, status=EnrolmentStatus.ACCEPTED).values_list(
            "provider_id", flat=True
        )
    )
    applicants = set(
        Application.objects.filter(
            programme__year=programme.year, programme__district_id=programme.district_id
        )
        .exclude(enterprise_id=enterprise.pk)
        .values_list("enterprise_id", flat=True)
    )
    providers.discard(enterprise.pk)
    facts = facts_of(providers | applicants | {enterprise.pk})
    mine = facts[enterprise.pk]
    names = dict(
        Organization.objects.filter(pk__in=providers | applicants).values_list("pk", "name")
    )
    flags = []
    for other_id in sorted(providers | applicants):
        shared = sorted(mine.keys() & facts.get(other_id, {}).keys())
        for key in shared:
            kind = key[0]
            values = {
                "e": enterprise.name, "o": names[other_id], "kind": PartyKind(kind).label,
                "a": mine[key], "b": facts[other_id][key],
            }  # fmt: skip
            if other_id in providers:
                evidence = _(
                    "企业“%(e)s”与本项目入库服务机构“%(o)s”的%(kind)s相同：“%(a)s”与“%(b)s”，"
                    "不得向其使用创新券。"
                )
                flags.append(
                    Flag("related_party", _("疑似关联方"), evidence % values, KIND_SEVERITY[kind])
                )
            if other_id in applicants:
                evidence = _(
                    "企业“%(e)s”与同年度申领企业“%(o)s”的%(kind)s相同：“%(a)s”与“%(b)s”，"
                    "可能拆分申领以规避年度上限。"
                )
                flags.append(
                    Flag("related_applicant", _("关联企业重复申领"), evidence % values, MEDIUM)
                )
    flags += history_flags([enterprise])
    return _sorted(flags)


# ---------------------------------------------------------------- clawback


def clawback(use: VoucherUse, fen: int, actor, note: str = "") -> LedgerEntry:
    """Money recovered on a paid use (confirmed fraud): one balanced CLAWBACK entry moving
    spent −x, granted −x, unallocated +x, paid −x (see the module docstring). At most what
    was paid for the use, net of earlier clawbacks. Call inside the action's transaction."""
    if fen <= 0:
        raise ValidationError({"clawback": _("追回金额须大于零。")})
    voucher = use.voucher
    programme = voucher.programme
    with transaction.atomic():
        ledger.lock(programme, voucher)
        paid = LedgerEntry.objects.filter(use=use).aggregate(s=Sum("d_paid"))["s"] or 0
        if fen > paid:
            raise ActionError(
                _("追回金额 %(a)s 元超过该项目已拨付且未追回的 %(p)s 元。")
                % {"a": _yuan(fen), "p": _yuan(paid)},
                code="clawback_too_much",
            )
        moved = Voucher.objects.filter(pk=voucher.pk, spent_fen__gte=fen).update(
            spent_fen=F("spent_fen") - fen, granted_fen=F("granted_fen") - fen
        )
        if not moved:
            raise ledger.Insufficient(_("已核销金额不足，无法追回。"))
        Programme.objects.filter(pk=programme.pk).update(unallocated_fen=F("unallocated_fen") + fen)
        entry = ledger._entry(
            Entry.CLAWBACK, programme, actor=actor, voucher=voucher, use=use, note=note,
            spent=-fen, granted=-fen, unallocated=fen, paid=-fen,
        )  # fmt: skip
        audit.record(actor=actor, verb="voucher.clawback", obj=use, note=f"{_yuan(fen)} {note}")
    return entry


# ---------------------------------------------------------------- blacklist


def blacklisting(org, on: date | None = None) -> Blacklist | None:
    """The blacklist entry in force for `org` on `on` (default today), if any."""
    on = on or timezone.localdate()
    org_id = getattr(org, "pk", org)
    return (
        Blacklist.objects.filter(
            organization_id=org_id, since__lte=on, until__gte=on, lifted_at__isnull=True
        )
        .order_by("-until")
        .first()
    )


def is_blacklisted(org, on: date | None = None) -> bool:
    return blacklisting(org, on=on) is not None


def ensure_not_blacklisted(org, on: date | None = None) -> None:
    """Raise the refusal an action shows when `org` is blacklisted."""
    entry = blacklisting(org, on=on)
    if entry is not None:
        raise ActionError(
            _("“%(o)s”已被列入创新券黑名单（至 %(until)s）：%(reason)s")
            % {"o": getattr(org, "name", org), "until": entry.until, "reason": entry.reason},
            code="blacklisted",
        )


def blacklist_add(
    *, organization: Organization, until: date, reason: str, actor, spot_check=None
) -> Blacklist:
    if actor is not None and not _is(actor, Role.OPERATOR, Role.REVIEWER):
        raise NotAllowed(_("只有运营方或主管部门可以列入黑名单。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明列入黑名单的原因。")})
    today = timezone.localdate()
    if until < today:
        raise ValidationError({"until": _("截止日期不能早于今天。")})
    with transaction.atomic():
        entry = Blacklist.objects.create(
            organization=organization, reason=reason, since=today, until=until,
            spot_check=spot_check, created_by=actor if getattr(actor, "pk", None) else None,
        )  # fmt: skip
        audit.record(
            actor=actor, verb="blacklist.add", obj=organization, note=f"{until} {reason}"[:500]
        )
    return entry


def blacklist_lift(*, entry: Blacklist, actor, reason: str) -> Blacklist:
    if not _is(actor, Role.OPERATOR):
        raise NotAllowed(_("只有运营方可以解除黑名单。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明解除原因。")})
    with transaction.atomic():
        lifted = Blacklist.objects.filter(pk=entry.pk, lifted_at__isnull=True).update(
            lifted_at=timezone.now(), lifted_by=actor, lift_reason=reason[:300]
        )
        if not lifted:
            raise ActionError(_("该黑名单记录已解除。"), code="already_lifted")
        audit.record(actor=actor, verb="blacklist.lift", obj=entry.organization, note=reason)
    entry.refresh_from_db()
    return entry


audit.register_verbs(
    {
        "party.record": gettext_lazy("登记关联方信息"),
        "voucher.clawback": gettext_lazy("追回创新券资金"),
        "blacklist.add": gettext_lazy("列入黑名单"),
        "blacklist.lift": gettext_lazy("解除黑名单"),
    }
)
