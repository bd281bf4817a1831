"""The demo's shared instruments (issue 6): booking rules, closures, qualifications, two years of
bookings with recorded machine hours, a few no-shows, a waitlist entry, bookings in the coming
days, and test reports issued by the shoe test lab for `shoe_boss`'s company.

* **Schedules** for every published instrument of the library, with fees from its listing
  (external price = the listed fee, internal = 60 % of it; per sample where the listing prices
  samples). Three labs share their instruments in the demo — the test lab of `lab_admin`, the
  biomechanics lab and the harmful-substances lab (GC-MS, electronic nose, plantar pressure,
  flex tester…); some of theirs need approval, some a qualification, some open on Saturday.
* **History** (two years up to now) is bulk-created, the way an import from a lab's old booking
  book would be: one timeline of non-overlapping slots per instrument inside its opening hours,
  around the closures (public holidays, maintenance, an outage), each slot completed with a
  usage record and its fee, cancelled, voided as a no-show (with a violation) or moved (the old
  booking, status "moved", points to the slot it moved to). No StatusChange or audit rows: the
  old book did not record them. Live rows never overlap, so PostgreSQL's exclusion constraint
  accepts them.
* **The coming days** (up to the end of next week) go through `atelier.orders.actions` like real
  use: requests waiting for approval, confirmed ones, a cancellation, a move and a waitlist entry.
* **Test reports** through `atelier.reports.actions` (each PDF takes ~0.5 s, so five; one
  revoked and replaced).

Deterministic: one `random.Random(BOOKINGS_SEED)`; dates count back from today. Idempotent: the
schedules are matched by instrument, bookings are created only while the three labs have none,
reports only while the lab has none for the company.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from atelier.catalog.models import Resource, ResourceKind, ResourceStatus
from atelier.core.errors import ActionError
from atelier.orders import actions
from atelier.orders.models import (
    Booking,
    BookingStatus,
    Closure,
    ClosureKind,
    FeeBasis,
    InstrumentSchedule,
    Qualification,
    Usage,
    Violation,
)
from atelier.orgs.models import Membership, Organization, OrgKind, OrgStatus

BOOKINGS_SEED = 20226
QUIET_MAIL = "django.core.mail.backends.dummy.EmailBackend"
HISTORY_DAYS = 730
SHOE_COMPANY = "温州骏履鞋业有限公司"  # = data.SHOE_COMPANY (shoe_boss)
TEST_LAB = "中国鞋都鞋业检验检测服务中心"  # = data.TEST_LAB (lab_admin)
BIOMECH_LAB = "鞋类舒适性与生物力学实验室"
CHEM_LAB = "健康鞋材有害物质检测实验室"
LABS = (TEST_LAB, BIOMECH_LAB, CHEM_LAB)
ENTERPRISE_BOOKERS = 24  # verified enterprises whose admins book, besides shoe_boss's company

# Instruments (by title words) that need training first, and ones booked without approval.
QUALIFICATION_WORDS = ("质谱", "足底压力", "运动捕捉", "出汗暖体足", "电子鼻")
NO_APPROVAL_WORDS = ("恒温恒湿", "硬度计", "分光光度计")
SATURDAY_WORDS = ("耐折", "磨耗", "万能材料", "防滑")
LONG_RUN_WORDS = ("恒温恒湿", "出汗暖体足")  # day-long tests: 08:00–18:00 without a break

WEEKDAYS = {str(d): [["08:30", "12:00"], ["13:30", "17:30"]] for d in range(5)}
SATURDAY = {**WEEKDAYS, "5": [["09:00", "12:00"]]}
LONG_RUN = {str(d): [["08:00", "18:00"]] for d in range(5)}

# Public holidays (first and last day): the labs close. 春节 dates as published by the State
# Council for 2024–2026; 2027 follows the lunar calendar (New Year's Day 2027-02-06).
SPRING_FESTIVAL = {
    2024: ((2, 10), (2, 17)),
    2025: ((1, 28), (2, 4)),
    2026: ((2, 15), (2, 23)),
    2027: ((2, 5), (2, 11)),
}

PURPOSES = {
    "质谱": ("鞋材邻苯二甲酸酯筛查", "胶粘剂挥发性有机物分析", "童鞋多环芳烃测定"),
    "色谱": ("皮革甲醛含量测定", "鞋材有机锡测定", "胶水残留溶剂分析"),
    "分光光度": ("皮革六价铬测定", "鞋面材料色差初筛"),
    "荧光光谱": ("来料重金属快速筛查", "鞋扣镍释放初筛"),
    "万能材料": ("帮底剥离强度试验", "鞋带断裂强力试验", "外底拉伸强度试验"),
    "耐折": ("成鞋耐折性能试验", "新款运动鞋耐折验证"),
    "磨耗": ("外底 DIN 耐磨试验", "橡胶大底配方对比"),
    "防滑": ("成鞋防滑性能测试", "安全鞋防滑验证"),
    "恒温恒湿": ("鞋材湿热老化试验", "胶粘剂耐湿热试验"),
    "足底压力": ("新款鞋垫足底压力分布测试", "童鞋足底压力评价"),
    "测力台": ("跑鞋地面反作用力测试", "鞋跟冲击力测试"),
    "运动捕捉": ("步态分析与鞋类舒适性评价",),
    "暖体足": ("鞋靴热阻与湿阻测试",),
    "冲击": ("鞋跟冲击吸收测试",),
    "电子鼻": ("鞋材气味等级评价", "新车间鞋材异味溯源"),
    "离子色谱": ("皮革可萃取阴离子测定",),
}
DEFAULT_PURPOSES = ("新品研发测试", "来料检验", "客户送样检测")


@dataclass
class Counts:
    schedules: int = 0
    bookings: int = 0
    usages: int = 0
    violations: int = 0
    reports: int = 0

    def __bool__(self) -> bool:
        return any(vars(self).values())


def _has(title: str, words) -> bool:
    return any(w in title for w in words)


def _fen(value) -> int:
    return int((Decimal(value) * 100).to_integral_value()) if value is not None else 0


def _holidays(first: date, last: date) -> list[tuple[date, date, str]]:
    out = []
    for year in range(first.year, last.year + 1):
        days = [(date(year, 1, 1), date(year, 1, 1), "元旦"),
                (date(year, 5, 1), date(year, 5, 5), "劳动节"),
                (date(year, 10, 1), date(year, 10, 7), "国庆节")]  # fmt: skip
        if year in SPRING_FESTIVAL:
            (m1, d1), (m2, d2) = SPRING_FESTIVAL[year]
            days.append((date(year, m1, d1), date(year, m2, d2), "春节"))
        out += [(a, b, name) for a, b, name in days if b >= first and a <= last]
    return sorted(out)


def _purposes(title: str) -> tuple[str, ...]:
    for word, purposes in PURPOSES.items():
        if word in title:
            return purposes
    return DEFAULT_PURPOSES


@dataclass
class _Booker:
    user: object
    org: Organization | None


class BookingLoader:
    def __init__(self, *, account: Callable):
        self.account = account
        self.rng = random.Random(BOOKINGS_SEED)
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        self.counts = Counts()

    def at(self, day: date, hhmm: str | time) -> datetime:
        t = hhmm if isinstance(hhmm, time) else time(*map(int, hhmm.split(":")))
        return datetime.combine(day, t, tzinfo=self.tz)

    # schedules -------------------------------------------------------------------------
    def schedules(self) -> None:
        have = set(InstrumentSchedule.objects.values_list("resource_id", flat=True))
        rows = []
        for r in (
            Resource.objects.filter(kind=ResourceKind.INSTRUMENT, status=ResourceStatus.PUBLISHED)
            .select_related("instrument_detail")
            .order_by("pk")
        ):
            if r.pk in have:
                continue
            detail = getattr(r, "instrument_detail", None)
            per_sample = detail is not None and detail.fee_per_sample is not None
            price = _fen(
                (detail.fee_per_sample if per_sample else detail.fee_per_hour) if detail else None
            )
            hours = WEEKDAYS
            if _has(r.title, LONG_RUN_WORDS):
                hours = LONG_RUN
            elif _has(r.title, SATURDAY_WORDS):
                hours = SATURDAY
            rows.append(
                InstrumentSchedule(
                    resource=r,
                    opening_hours={k: [list(p) for p in v] for k, v in hours.items()},
                    requires_approval=not _has(r.title, NO_APPROVAL_WORDS),
                    requires_qualification=_has(r.title, QUALIFICATION_WORDS),
                    fee_basis=FeeBasis.SAMPLE if per_sample else FeeBasis.HOUR,
                    external_fee_fen=price,
                    internal_fee_fen=price * 60 // 100,
                )
            )
        InstrumentSchedule.objects.bulk_create(rows)
        self.counts.schedules += len(rows)

    # people ----------------------------------------------------------------------------
    def labs(self) -> list[Organization]:
        by_name = {o.name: o for o in Organization.objects.filter(name__in=LABS)}
        return [by_name[n] for n in LABS if n in by_name]

    @staticmethod
    def staff(lab: Organization) -> list:
        return [
            m.user
            for m in Membership.objects.filter(organization=lab)
            .select_related("user")
            .order_by("-role", "pk")  # admins ("admin" > "member") first
        ]

    def bookers(self, labs) -> tuple[list[_Booker], list[_Booker]]:
        """(the demo accounts' company and the other enterprises, every lab's staff)."""
        company = Organization.objects.filter(name=SHOE_COMPANY).first()
        external = []
        if company:
            external += [_Booker(self.account(u), company) for u in ("shoe_boss", "shoe_staff")]
        enterprises = (
            Organization.objects.filter(kind=OrgKind.ENTERPRISE, status=OrgStatus.VERIFIED)
            .exclude(name=SHOE_COMPANY)
            .filter(memberships__role=Membership.Role.ADMIN)
            .order_by("credit_code")
            .distinct()[:ENTERPRISE_BOOKERS]
        )
        for org in enterprises:
            m = org.memberships.filter(role=Membership.Role.ADMIN).select_related("user").first()
            external.append(_Booker(m.user, org))
        staff = [_Booker(u, lab) for lab in labs for u in self.staff(lab)[:1]]
        return external, staff

    # history ---------------------------------------------------------------------------
    def run(self) -> Counts:
        # Notifications stay in-app; no e-mail (the console backend would print them all).
        with override_settings(EMAIL_BACKEND=QUIET_MAIL):
            return self._run()

    def _run(self) -> Counts:
        with transaction.atomic():
            self.schedules()
        labs = self.labs()
        instruments = list(
            Resource.objects.filter(
                provider__in=labs, kind=ResourceKind.INSTRUMENT, status=ResourceStatus.PUBLISHED
            )
            .select_related("schedule", "provider")
            .order_by("provider__name", "pk")
        )
        if instruments and not Booking.objects.filter(resource__in=instruments).exists():
            external, staff = self.bookers(labs)
            with transaction.atomic():
                self.history(instruments, external, staff)
            self.coming_days(instruments, external, staff)
        self.reports()
        return self.counts

    def closures(self, instruments, first: date, last: date) -> list[Closure]:
        rows = []
        for a, b, name in _holidays(first, last):
            for r in instruments:
                rows.append(Closure(resource=r, kind=ClosureKind.HOLIDAY, reason=f"{name}放假",
                                    start=self.at(a, "00:00"),
                                    end=self.at(b + timedelta(days=1), "00:00")))  # fmt: skip
        monday = self.today - timedelta(days=self.today.weekday())
        for n, r in enumerate(instruments):
            if "质谱" in r.title or "足底压力" in r.title or n % 5 == 0:
                # This week's Thursday morning and next Wednesday: calibration and upkeep.
                thursday = monday + timedelta(days=3)
                rows.append(Closure(resource=r, kind=ClosureKind.MAINTENANCE,
                                    reason="年度计量校准", start=self.at(thursday, "08:00"),
                                    end=self.at(thursday, "12:00")))  # fmt: skip
                wednesday = monday + timedelta(days=9)
                rows.append(Closure(resource=r, kind=ClosureKind.MAINTENANCE,
                                    reason="季度维护保养", start=self.at(wednesday, "13:00"),
                                    end=self.at(wednesday, "18:00")))  # fmt: skip
            if n % 7 == 3:
                day = self.today - timedelta(days=95 + n)
                rows.append(Closure(resource=r, kind=ClosureKind.OUTAGE,
                                    reason="真空泵故障，等待备件", start=self.at(day, "00:00"),
                                    end=self.at(day + timedelta(days=3), "00:00")))  # fmt: skip
        Closure.objects.bulk_create(rows)
        return rows

    def slots(self, schedule, closures, first: date, last: date, load: float):
        """One instrument's non-overlapping slots inside opening hours, around closures."""
        day = first
        while day <= last:
            for a, b in schedule.intervals(day):
                cursor = a
                while cursor < b:
                    if self.rng.random() > load:
                        cursor += timedelta(minutes=self.rng.choice((30, 60, 90)))
                        continue
                    length = timedelta(minutes=30 * self.rng.randint(4, 8))
                    end = min(cursor + length, b)
                    if end - cursor < timedelta(minutes=60):
                        break
                    if not any(c.start < end and c.end > cursor for c in closures):
                        yield cursor, end
                    cursor = end
            day += timedelta(days=1)

    def qualify(self, instruments, external, staff, first: date) -> dict:
        """Qualifications of the instruments that need them: every lab's staff, shoe_boss's
        company and half of the other bookers. Returns {resource_id: qualified users}."""
        rows, qualified = [], {}
        granted_at = self.at(first - timedelta(days=30), "10:00")
        for r in instruments:
            if not r.schedule.requires_qualification:
                continue
            lab_staff = self.staff(r.provider)
            users = (
                [b.user for b in staff]
                + [b.user for b in external[:2]]
                + [b.user for b in external[2:] if self.rng.random() < 0.5]
            )
            users = list(dict.fromkeys(users))
            qualified[r.pk] = {u.pk for u in users}
            rows += [Qualification(resource=r, user=u, granted_at=granted_at,
                                   granted_by=lab_staff[0] if lab_staff else None)
                     for u in users]  # fmt: skip
        Qualification.objects.bulk_create(rows)
        return qualified

    def history(self, instruments, external, staff) -> None:
        first = self.today - timedelta(days=HISTORY_DAYS)
        last = self.today + timedelta(days=13 - self.today.weekday())  # end of next week
        closures = self.closures(instruments, first, last)
        qualified = self.qualify(instruments, external, staff, first)
        bookings, usages, moved, voids = [], [], [], []
        self.future = []  # (resource, start, end, booker) created through the actions later
        for r in instruments:
            schedule = r.schedule
            mine = [c for c in closures if c.resource_id == r.pk]
            busy = r.provider.name == TEST_LAB
            load = self.rng.uniform(0.45, 0.8) if busy else self.rng.uniform(0.25, 0.6)
            internal_share = self.rng.uniform(0.3, 0.8)
            lab_staff = [b for b in staff if b.org.pk == r.provider_id]
            others = [b for b in external + staff if b.org.pk != r.provider_id]
            if r.pk in qualified:
                others = [b for b in others if b.user.pk in qualified[r.pk]]
            purposes = _purposes(r.title)
            recorder = lab_staff[0].user if lab_staff else None
            for start, end in self.slots(schedule, mine, first, last, load):
                inside = lab_staff and self.rng.random() < internal_share
                who = self.rng.choice(lab_staff if inside else others)
                if start > self.now:
                    if self.rng.random() < 0.5:  # the coming days are less booked yet
                        self.future.append((r, start, end, who, self.rng.choice(purposes)))
                    continue
                b = Booking(resource=r, user=who.user, organization=who.org, start=start,
                            end=end, purpose=self.rng.choice(purposes),
                            price_group=actions.price_group_for(r, who.org))  # fmt: skip
                bookings.append(b)
                roll = self.rng.random()
                if end > self.now:  # in use right now
                    b.status = BookingStatus.CONFIRMED
                    usages.append(Usage(booking=b, recorded_by=recorder,
                                        started_at=start + timedelta(minutes=5)))  # fmt: skip
                elif roll < 0.06:
                    b.status = BookingStatus.CANCELLED
                elif roll < 0.075 and who not in external[:2] and who not in staff:
                    b.status = BookingStatus.VOID
                    voids.append(b)
                else:
                    b.status = BookingStatus.COMPLETED
                    started = start + timedelta(minutes=self.rng.randint(0, 12))
                    stopped = end - timedelta(minutes=self.rng.randint(0, 20))
                    samples = self.rng.randint(1, 4) if schedule.fee_basis == "sample" else 0
                    usage = Usage(booking=b, started_at=started, stopped_at=stopped,
                                  samples=samples, recorded_by=recorder)  # fmt: skip
                    usage.fee_fen = actions.fee_fen(
                        schedule=schedule, group=b.price_group, samples=samples,
                        seconds=int((stopped - started).total_seconds()),
                    )  # fmt: skip
                    usages.append(usage)
                    # Now and then it had been booked for a later day, then moved here.
                    if roll > 0.97 and end < self.now - timedelta(days=7):
                        later = timedelta(days=self.rng.randint(1, 6))
                        moved.append((b, Booking(resource=r, user=b.user,
                                      organization=b.organization, start=start + later,
                                      end=end + later, purpose=b.purpose,
                                      price_group=b.price_group,
                                      status=BookingStatus.MOVED)))  # fmt: skip
        Booking.objects.bulk_create([old for _new, old in moved], batch_size=2000)
        for new, old in moved:
            new.moved_from = old
        Booking.objects.bulk_create(bookings, batch_size=2000)
        Usage.objects.bulk_create(usages, batch_size=2000)
        violations = [Violation(user=b.user, resource=b.resource, booking=b,
                                at=b.start + timedelta(minutes=60)) for b in voids]  # fmt: skip
        Violation.objects.bulk_create(violations)
        # auto_now_add stamped them now: booked three days ahead, moves a week before that.
        pks = [b.pk for b in bookings] + [old.pk for _new, old in moved]
        for start in range(0, len(pks), 900):
            Booking.objects.filter(pk__in=pks[start : start + 900]).update(
                created_at=F("start") - timedelta(days=3)
            )
        self.counts.bookings += len(bookings) + len(moved)
        self.counts.usages += len(usages)
        self.counts.violations += len(violations)

    # the coming days -------------------------------------------------------------------
    def coming_days(self, instruments, external, staff) -> None:
        """Requests, approvals, a cancellation, a move and a waitlist entry, through the
        actions (notifications and history as in real use)."""
        created = []
        for r, start, end, who, purpose in self.future:
            try:
                b = actions.booking_create(actor=who.user, resource=r, start=start, end=end,
                                           purpose=purpose, organization=who.org)  # fmt: skip
            except ActionError:  # e.g. a generated booker blocked after no-shows
                continue
            created.append(b)
        self.counts.bookings += len(created)
        requested = [b for b in created if b.status == BookingStatus.REQUESTED]
        for n, b in enumerate(requested):
            if n % 5 < 3:  # three in five approved, the others wait for the manager
                actions.booking_approve(actor=self.staff(b.resource.provider)[0], booking=b)
        boss, staff_user = self.account("shoe_boss"), self.account("shoe_staff")
        theirs = [b for b in created if b.user in (boss, staff_user)]
        if theirs:
            actions.booking_cancel(actor=theirs[0].user, booking=theirs[0], reason="样品未到")
        for b in theirs[1:]:
            for days in (7, 1, 2, 3):  # a week later, or one of the next days
                try:
                    new = actions.booking_move(
                        actor=b.user, booking=b, start=b.start + timedelta(days=days),
                        end=b.end + timedelta(days=days),
                    )  # fmt: skip
                except ActionError:
                    continue
                self.counts.bookings += 1
                created.append(new)
                break
            else:
                continue
            break
        # shoe_staff waits for a slot someone else holds on a qualification-only instrument.
        taken = [
            b
            for b in created
            if b.user not in (boss, staff_user)
            and b.status in (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)
            and b.resource.schedule.requires_qualification
        ]
        if taken:
            b = taken[0]
            actions.waitlist_join(actor=staff_user, resource=b.resource, start=b.start, end=b.end)

    # test reports ----------------------------------------------------------------------
    def reports(self) -> None:
        from atelier.reports import actions as report_actions
        from atelier.reports.models import TestReport

        lab = Organization.objects.filter(name=TEST_LAB).first()
        company = Organization.objects.filter(name=SHOE_COMPANY).first()
        if lab is None or company is None or lab.status != OrgStatus.VERIFIED:
            return
        if TestReport.objects.filter(lab=lab, client=company).exists():
            return
        actor = self.account("lab_admin")
        issued = []
        for n, (data, items) in enumerate(REPORTS):
            days = 12 * (len(REPORTS) - n)
            received = self.today - timedelta(days=days + 4)
            data = {**data, "received_on": received, "tested_on": received + timedelta(days=3)}
            report = report_actions.report_create(actor, lab, data, items, client=company)
            report_actions.report_issue(actor, report)
            issued.append(report)
        report_actions.report_revoke(
            actor, issued[0], reason="样品数量录入有误（应为 3 双），已重新出具报告。"
        )
        self.counts.reports += len(issued)


SIGNERS = {"tester": "王敏", "checker": "陈立", "approver": "黄志远"}
D = Decimal
REPORTS = [  # (facts, items); the first is revoked (wrong sample count) and issued again
    ({"sample_name": "男式商务皮鞋（JL-2631）", "sample_count": 2, **SIGNERS,
      "sample_description": "黑色头层牛皮鞋面，橡胶外底，胶粘工艺",
      "conclusion": "所检项目符合 QB/T 1002-2015 的要求。"},
     [{"name": "成鞋耐折性能", "method": "GB/T 3903.1-2017", "result_text": "40000 次无裂纹"},
      {"name": "外底耐磨性能（磨痕长度）", "method": "GB/T 3903.2-2017", "unit": "mm",
       "limit_max": D("10"), "result": D("6.8")},
      {"name": "帮底剥离强度", "method": "GB/T 3903.3-2011", "unit": "N/cm",
       "limit_min": D("70"), "result": D("96")}]),
    ({"sample_name": "男式商务皮鞋（JL-2631）", "sample_count": 3, **SIGNERS,
      "sample_description": "黑色头层牛皮鞋面，橡胶外底，胶粘工艺",
      "conclusion": "所检项目符合 QB/T 1002-2015 的要求。"},
     [{"name": "成鞋耐折性能", "method": "GB/T 3903.1-2017", "result_text": "40000 次无裂纹"},
      {"name": "外底耐磨性能（磨痕长度）", "method": "GB/T 3903.2-2017", "unit": "mm",
       "limit_max": D("10"), "result": D("6.8")},
      {"name": "帮底剥离强度", "method": "GB/T 3903.3-2011", "unit": "N/cm",
       "limit_min": D("70"), "result": D("96")}]),
    ({"sample_name": "儿童运动鞋（JL-K208）", "sample_count": 3, **SIGNERS,
      "sample_description": "PU 合成革鞋面，EVA 中底，TPR 外底",
      "conclusion": "所检项目中邻苯二甲酸酯总量不符合 GB 30585-2014 的要求。"},
     [{"name": "邻苯二甲酸酯总量（6 种）", "method": "GB/T 22048-2022", "unit": "%",
       "limit_max": D("0.1"), "result": D("0.32")},
      {"name": "甲醛含量", "method": "GB/T 19941.1-2019", "unit": "mg/kg",
       "limit_max": D("75"), "result": D("18.6")},
      {"name": "可分解有害芳香胺", "method": "GB/T 19942-2019", "unit": "mg/kg",
       "limit_max": D("30"), "result_text": "未检出"}]),
    ({"sample_name": "儿童运动鞋（JL-K208，整改后）", "sample_count": 3, **SIGNERS,
      "sample_description": "更换外底配方后的复检样品",
      "conclusion": "所检项目符合 GB 30585-2014 的要求。"},
     [{"name": "邻苯二甲酸酯总量（6 种）", "method": "GB/T 22048-2022", "unit": "%",
       "limit_max": D("0.1"), "result": D("0.02")},
      {"name": "甲醛含量", "method": "GB/T 19941.1-2019", "unit": "mg/kg",
       "limit_max": D("75"), "result": D("17.9")}]),
    ({"sample_name": "女式休闲鞋（JL-W512）", "sample_count": 2, **SIGNERS,
      "sample_description": "超纤鞋面，橡胶发泡外底",
      "conclusion": "所检项目符合委托方要求。"},
     [{"name": "防滑性能（动摩擦系数，陶瓷砖/SLS 溶液，脚跟前滑）",
       "method": "GB/T 3903.6-2017", "limit_min": D("0.28"), "result": D("0.41")},
      {"name": "外底耐磨性能（DIN 体积磨耗）", "method": "GB/T 3903.2-2017", "unit": "mm³",
       "limit_max": D("250"), "result": D("168")}]),
]  # fmt: skip
del D


def load(*, account: Callable) -> Counts:
    return BookingLoader(account=account).run()
