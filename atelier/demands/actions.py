"""Every write on demands, dockings and brokers. Each action checks permission, changes state
through a Workflow (compare-and-set + StatusChange + audit) inside one transaction, and queues the
notifications of whoever has to act next (sent on commit)."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from atelier.accounts.models import Role, User
from atelier.catalog.models import Resource, ResourceStatus
from atelier.core import audit
from atelier.core.errors import ActionError, Conflict, NotAllowed
from atelier.core.notify import notify, platform_language
from atelier.core.uploads import validate_document
from atelier.core.workflow import Transition, Workflow
from atelier.orgs.models import Organization

from . import permissions
from .models import (
    LIVE_STATES,
    BrokerProfile,
    BrokerReward,
    Demand,
    DemandAttachment,
    DemandStatus,
    Docking,
    DockingNote,
    DockingStatus,
    Initiator,
    MatchWeights,
    NoteKind,
    working_days_after,
)

D = DemandStatus
DEMAND_FLOW = Workflow(
    Demand,
    [
        Transition("submit", (D.DRAFT, D.REJECTED), D.SUBMITTED, "提交审核"),
        Transition("publish", (D.SUBMITTED,), D.PUBLISHED, "审核发布"),
        Transition("reject", (D.SUBMITTED,), D.REJECTED, "驳回", requires_reason=True),
        Transition("dock", (D.PUBLISHED,), D.DOCKING, "进入对接"),
        Transition("reopen", (D.DOCKING,), D.PUBLISHED, "重新开放对接"),
        Transition("resolve", (D.PUBLISHED, D.DOCKING), D.RESOLVED, "标记已解决"),
        Transition(
            "close",
            (D.DRAFT, D.SUBMITTED, D.REJECTED, D.PUBLISHED, D.DOCKING),
            D.CLOSED,
            "关闭需求",
            requires_reason=True,
        ),
        Transition("expire", (D.PUBLISHED, D.DOCKING), D.EXPIRED, "到期"),
        Transition("renew", (D.EXPIRED,), D.PUBLISHED, "续期"),
    ],
)

K = DockingStatus
DOCKING_FLOW = Workflow(
    Docking,
    [
        Transition("accept", (K.PROPOSED, K.INTERESTED), K.ACTIVE, "接受对接"),
        Transition("decline", (K.PROPOSED, K.INTERESTED), K.DECLINED, "婉拒", requires_reason=True),
        Transition("sign", (K.ACTIVE,), K.WON, "签约"),
        Transition("lose", (K.ACTIVE,), K.LOST, "未成交", requires_reason=True),
        Transition(
            "cancel",
            (K.PROPOSED, K.INTERESTED, K.ACTIVE),
            K.CANCELLED,
            "撤销",
            requires_reason=True,
        ),  # fmt: skip
    ],
)

DEMAND_FIELDS = [
    "type", "title", "description", "cluster", "budget_min", "budget_max", "deadline",
    "visibility",
]  # fmt: skip
TRANSLATION_FIELDS = ["tech_keywords", "tech_standards", "tech_methods", "tech_summary"]


def _require(decision) -> None:
    if not decision:
        raise NotAllowed(decision.reason)


def _operators():
    return User.objects.filter(is_active=True, role=Role.OPERATOR)


def _members(org_id: int):
    return User.objects.filter(is_active=True, memberships__organization_id=org_id).distinct()


def _validate_demand(demand: Demand) -> None:
    demand.full_clean(exclude=["enterprise", "created_by", "broker", "translated_by"])
    if demand.deadline and demand.deadline < timezone.localdate():
        raise ValidationError({"deadline": _("截止日期不能早于今天。")})


# ---------------------------------------------------------------- demands


def demand_create(
    actor, enterprise: Organization, data: dict, *, attachments=(), submit=False
) -> Demand:
    _require(permissions.can_post_for(actor, enterprise))
    demand = Demand(enterprise=enterprise, created_by=actor)
    for name in DEMAND_FIELDS:
        if name in data:
            setattr(demand, name, data[name])
    _validate_demand(demand)
    checked = [(f, validate_document(f)) for f in attachments]
    with transaction.atomic():
        demand.save()
        for upload, _kind in checked:
            _attach(actor, demand, upload)
        audit.record(
            actor=actor, verb="demand.create", obj=demand,
            changes=audit.snapshot(demand, DEMAND_FIELDS),
        )  # fmt: skip
        if submit:
            _submit(actor, demand)
    return demand


def demand_update(actor, demand: Demand, data: dict) -> Demand:
    _require(permissions.can_edit_demand(actor, demand))
    before = audit.snapshot(demand, DEMAND_FIELDS)
    for name in DEMAND_FIELDS:
        if name in data:
            setattr(demand, name, data[name])
    _validate_demand(demand)
    with transaction.atomic():
        changed = Demand.objects.filter(pk=demand.pk, status=demand.status).update(
            **{f.attname: getattr(demand, f.attname) for f in _fields(DEMAND_FIELDS)},
            updated_at=timezone.now(),
        )
        if not changed:
            raise Conflict(_("该需求刚被其他人处理过，请刷新页面后重试。"))
        audit.record(
            actor=actor, verb="demand.update", obj=demand,
            changes=audit.diff(before, audit.snapshot(demand, DEMAND_FIELDS)),
        )  # fmt: skip
    return demand


def _fields(names):
    return [Demand._meta.get_field(n) for n in names]


def demand_attach(actor, demand: Demand, upload) -> DemandAttachment:
    _require(permissions.can_edit_demand(actor, demand))
    validate_document(upload)
    with transaction.atomic():
        return _attach(actor, demand, upload)


def _attach(actor, demand, upload) -> DemandAttachment:
    name = (getattr(upload, "name", "") or "attachment")[-120:]
    attachment = DemandAttachment.objects.create(
        demand=demand, file=upload, name=name, uploaded_by=actor
    )
    audit.record(actor=actor, verb="demand.attach", obj=demand, note=name)
    return attachment


def _submit(actor, demand: Demand) -> None:
    DEMAND_FLOW.apply(demand, "submit", actor=actor)
    with platform_language():
        title = _("新需求待审核：%(title)s") % {"title": demand.title}
    notify(_operators(), title=title, url=demand.get_absolute_url())


def demand_submit(actor, demand: Demand) -> Demand:
    _require(permissions.can_manage_demand(actor, demand))
    with transaction.atomic():
        _submit(actor, demand)
    return demand


def demand_publish(actor, demand: Demand, *, note: str = "") -> Demand:
    _require(permissions.can_review_demand(actor, demand))
    with transaction.atomic():
        DEMAND_FLOW.apply(
            demand, "publish", actor=actor, reason=note, updates={"published_at": timezone.now()}
        )
        with platform_language():
            title = _("需求已发布：%(title)s") % {"title": demand.title}
        notify(_members(demand.enterprise_id), title=title, url=demand.get_absolute_url())
    return demand


def demand_reject(actor, demand: Demand, *, reason: str) -> Demand:
    _require(permissions.can_review_demand(actor, demand))
    with transaction.atomic():
        DEMAND_FLOW.apply(demand, "reject", actor=actor, reason=reason)
        with platform_language():
            title = _("需求被驳回：%(title)s") % {"title": demand.title}
        notify(
            _members(demand.enterprise_id), title=title, body=reason,
            url=demand.get_absolute_url(),
        )  # fmt: skip
    return demand


def demand_close(actor, demand: Demand, *, reason: str) -> Demand:
    _require(permissions.can_manage_demand(actor, demand))
    with transaction.atomic():
        DEMAND_FLOW.apply(
            demand, "close", actor=actor, reason=reason, updates={"closed_at": timezone.now()}
        )
        _end_live_dockings(actor, demand, _("需求已关闭：%(reason)s") % {"reason": reason})
    return demand


def demand_resolve(actor, demand: Demand, *, note: str = "") -> Demand:
    _require(permissions.can_manage_demand(actor, demand))
    with transaction.atomic():
        DEMAND_FLOW.apply(
            demand, "resolve", actor=actor, reason=note, updates={"closed_at": timezone.now()}
        )
    return demand


def demand_renew(actor, demand: Demand, *, deadline: date) -> Demand:
    _require(permissions.can_manage_demand(actor, demand))
    if not isinstance(deadline, date) or deadline <= timezone.localdate():
        raise ActionError(_("续期的截止日期必须晚于今天。"), code="invalid_deadline")
    with transaction.atomic():
        DEMAND_FLOW.apply(
            demand, "renew", actor=actor, reason=_("续期至 %(d)s") % {"d": deadline},
            updates={"deadline": deadline, "closed_at": None},
        )  # fmt: skip
    return demand


def demands_expire(today: date | None = None) -> list[Demand]:
    """The scheduled job: open demands past their deadline become expired (their live dockings
    are left alone: a docking in progress may still end in a contract)."""
    today = today or timezone.localdate()
    expired = []
    for demand in Demand.objects.open().filter(deadline__lt=today).select_related("enterprise"):
        with transaction.atomic():
            try:
                DEMAND_FLOW.apply(
                    demand, "expire", actor=None, reason=_("已过截止日期"),
                    updates={"closed_at": timezone.now()},
                )  # fmt: skip
            except ActionError:
                continue  # changed meanwhile
            with platform_language():
                title = _("需求已到期：%(title)s（可续期）") % {"title": demand.title}
            notify(_members(demand.enterprise_id), title=title, url=demand.get_absolute_url())
        expired.append(demand)
    return expired


def demand_translate(actor, demand: Demand, data: dict) -> Demand:
    _require(permissions.can_translate_demand(actor, demand))
    before = audit.snapshot(demand, TRANSLATION_FIELDS)
    values = {name: (data.get(name) or "").strip() for name in TRANSLATION_FIELDS}
    for name, value in values.items():
        limit = Demand._meta.get_field(name).max_length
        if limit and len(value) > limit:
            raise ValidationError({name: _("不能超过 %(n)d 个字。") % {"n": limit}})
    if not any(values.values()):
        raise ValidationError(_("请至少填写一项技术表述。"))
    now = timezone.now()
    with transaction.atomic():
        Demand.objects.filter(pk=demand.pk).update(
            **values, translated_by=actor, translated_at=now, updated_at=now
        )
        for name, value in values.items():
            setattr(demand, name, value)
        demand.translated_by, demand.translated_at = actor, now
        audit.record(
            actor=actor, verb="demand.translate", obj=demand,
            changes=audit.diff(before, values),
        )  # fmt: skip
    return demand


def demand_assign_broker(actor, demand: Demand, broker: User | None) -> Demand:
    _require(permissions.can_assign_broker(actor, demand))
    if broker is not None and (
        broker.role != Role.BROKER
        or not BrokerProfile.objects.filter(user=broker, active=True).exists()
    ):
        raise ActionError(_("只能指派在册的技术经纪人。"), code="not_a_broker")
    before = demand.broker_id
    with transaction.atomic():
        Demand.objects.filter(pk=demand.pk).update(broker=broker, updated_at=timezone.now())
        demand.broker = broker
        audit.record(
            actor=actor, verb="demand.assign_broker", obj=demand,
            changes={"broker": [before, broker.pk if broker else None]},
        )  # fmt: skip
        if broker is not None and broker.pk != actor.pk:
            with platform_language():
                title = _("您被指派为需求的技术经纪人：%(title)s") % {"title": demand.title}
            notify([broker], title=title, url=demand.get_absolute_url())
    return demand


# ---------------------------------------------------------------- dockings


def _respond_by():
    days = settings.ATELIER_DOCKING_RESPONSE_DAYS
    now = timezone.localtime()
    return working_days_after(now, days)


def _provider_resource(provider: Organization, resource: Resource | None) -> None:
    if resource is None:
        return
    if resource.provider_id != provider.pk or resource.status != ResourceStatus.PUBLISHED:
        raise ActionError(_("所选资源不属于该服务方或未发布。"), code="invalid_resource")


def _initiator_for(actor, demand: Demand) -> str:
    if permissions.is_operator(actor):
        return Initiator.OPERATOR
    if permissions.is_broker(actor):
        return Initiator.BROKER
    return Initiator.ENTERPRISE


def _create_docking(**values) -> Docking:
    try:
        with transaction.atomic():
            return Docking.objects.create(**values)
    except IntegrityError:
        raise Conflict(_("与该服务方已有进行中的对接。"), code="docking_exists") from None


def docking_start(
    actor, demand: Demand, *, provider: Organization, resource=None, message: str = ""
) -> Docking:
    """A broker, operator or the enterprise proposes `provider` for `demand`."""
    demand.refresh_from_db(fields=["status", "broker"])  # a caller's copy may be stale
    _require(permissions.can_start_docking(actor, demand))
    if provider.pk == demand.enterprise_id:
        raise ActionError(_("不能与需求企业自身对接。"), code="self_docking")
    _provider_resource(provider, resource)
    initiator = _initiator_for(actor, demand)
    with transaction.atomic():
        docking = _create_docking(
            demand=demand, provider=provider, resource=resource, initiator=initiator,
            started_by=actor, message=message.strip(),
            broker=actor if initiator == Initiator.BROKER else demand.broker,
            # The enterprise proposing a contact itself agrees to be known.
            identity_revealed=not demand.is_anonymous or initiator == Initiator.ENTERPRISE,
            respond_by=_respond_by(),
        )  # fmt: skip
        audit.record(actor=actor, verb="docking.start", obj=docking, note=message.strip())
        if demand.status == D.PUBLISHED:
            DEMAND_FLOW.apply(demand, "dock", actor=actor)
        with platform_language():
            title = _("对接邀请：%(title)s（请在 %(due)s 前响应）") % {
                "title": demand.title,
                "due": f"{timezone.localtime(docking.respond_by):%Y-%m-%d}",
            }
        notify(_members(provider.pk), title=title, body=message, url=docking.get_absolute_url())
    return docking


def docking_interest(
    actor, demand: Demand, *, provider: Organization, resource=None, message: str = ""
) -> Docking:
    """A provider says it can help. For an anonymous demand the broker (or an operator) decides
    whether to pass it on; the enterprise's identity stays hidden."""
    demand.refresh_from_db(fields=["status", "broker"])  # a caller's copy may be stale
    _require(permissions.can_express_interest(actor, demand, provider))
    _provider_resource(provider, resource)
    with transaction.atomic():
        docking = _create_docking(
            demand=demand, provider=provider, resource=resource, initiator=Initiator.PROVIDER,
            status=DockingStatus.INTERESTED, started_by=actor, message=message.strip(),
            broker=demand.broker, respond_by=_respond_by(),
        )  # fmt: skip
        audit.record(actor=actor, verb="docking.interest", obj=docking, note=message.strip())
        if demand.status == D.PUBLISHED:
            DEMAND_FLOW.apply(demand, "dock", actor=actor)
        with platform_language():
            title = _("服务方对需求有意向：%(title)s") % {"title": demand.title}
        if demand.is_anonymous:
            deciders = [demand.broker] if demand.broker else list(_operators())
        else:
            deciders = list(_members(demand.enterprise_id))
        notify(deciders, title=title, body=message, url=docking.get_absolute_url())
    return docking


def _lock_live(docking: Docking) -> None:
    """Refresh the demand: nothing may happen on a docking whose demand is closed or expired."""
    docking.demand.refresh_from_db(fields=["status"])
    if docking.demand.status in (D.CLOSED, D.EXPIRED) and docking.status != K.ACTIVE:
        raise ActionError(_("需求已结束，不能继续该对接。"), code="demand_closed")


def _other_side(actor, docking: Docking):
    people = list(_members(docking.demand.enterprise_id)) + list(_members(docking.provider_id))
    if docking.broker_id:
        people.append(docking.broker)
    return [p for p in people if p.pk != getattr(actor, "pk", None)]


def docking_accept(actor, docking: Docking, *, note: str = "") -> Docking:
    _require(permissions.can_respond(actor, docking))
    _lock_live(docking)
    updates = {"responded_at": docking.responded_at or timezone.now()}
    if docking.status == K.INTERESTED and permissions.is_member(
        actor, docking.demand.enterprise_id
    ):
        updates["identity_revealed"] = True  # the enterprise accepted the contact itself
    with transaction.atomic():
        DOCKING_FLOW.apply(docking, "accept", actor=actor, reason=note, updates=updates)
        with platform_language():
            title = _("对接已接受：%(title)s") % {"title": docking.demand.title}
        notify(_other_side(actor, docking), title=title, url=docking.get_absolute_url())
    return docking


def _end_without_contract(actor, docking: Docking, event: str, reason: str, title: str, **extra):
    """Decline, lose or cancel: the docking ends with a reason, its demand goes back to the hall
    when no other docking is live, and the other side is told. `title` has a %(title)s."""
    with transaction.atomic():
        DOCKING_FLOW.apply(
            docking, event, actor=actor, reason=reason,
            updates={"closed_at": timezone.now(), "outcome_reason": reason[:300], **extra},
        )  # fmt: skip
        _maybe_reopen(actor, docking.demand)
        with platform_language():
            text = _(title) % {"title": docking.demand.title}
        notify(_other_side(actor, docking), title=text, body=reason, url=docking.get_absolute_url())
    return docking


def docking_decline(actor, docking: Docking, *, reason: str) -> Docking:
    _require(permissions.can_respond(actor, docking))
    return _end_without_contract(
        actor, docking, "decline", reason, gettext_noop("对接被婉拒：%(title)s"),
        responded_at=docking.responded_at or timezone.now(),
    )  # fmt: skip


def docking_note(
    actor, docking: Docking, *, kind: str, text: str, meeting_at=None, location: str = ""
) -> DockingNote:
    _require(permissions.can_take_part(actor, docking))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写内容。")})
    if kind not in NoteKind.values:
        raise ValidationError({"kind": _("记录类型无效。")})
    if kind == NoteKind.MEETING and meeting_at is None:
        raise ValidationError({"meeting_at": _("会谈记录需要填写会谈时间。")})
    if docking.status not in LIVE_STATES:
        raise ActionError(_("对接已结束，不能再添加记录。"), code="docking_closed")
    with transaction.atomic():
        note = DockingNote.objects.create(
            docking=docking, kind=kind, text=text[:5000], meeting_at=meeting_at,
            location=location.strip()[:120], author=actor,
        )  # fmt: skip
        # The provider's first word counts as its response (median time to first response).
        if docking.responded_at is None and permissions.is_member(actor, docking.provider_id):
            Docking.objects.filter(pk=docking.pk, responded_at__isnull=True).update(
                responded_at=note.at
            )
            docking.responded_at = note.at
        audit.record(actor=actor, verb=f"docking.{kind}", obj=docking, note=text[:200])
        with platform_language():
            title = _("对接有新%(kind)s：%(title)s") % {
                "kind": NoteKind(kind).label,
                "title": docking.demand.title,
            }
        notify(_other_side(actor, docking), title=title, url=docking.get_absolute_url())
    return note


def _parse_amount(value) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError({"contract_amount": _("金额格式不正确。")}) from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValidationError({"contract_amount": _("金额须为正数，最多两位小数。")})
    if amount >= Decimal("1e12"):
        raise ValidationError({"contract_amount": _("金额过大。")})
    return amount


def docking_sign(actor, docking: Docking, *, amount, signed_on: date | None = None) -> Docking:
    """Contract signed: the docking is won and its demand resolved."""
    _require(permissions.can_take_part(actor, docking))
    amount = _parse_amount(amount)
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise ValidationError({"contract_signed_on": _("签约日期不能晚于今天。")})
    with transaction.atomic():
        DOCKING_FLOW.apply(
            docking, "sign", actor=actor, reason=_("合同金额 %(a)s 元") % {"a": f"{amount:,.2f}"},
            updates={
                "contract_amount": amount, "contract_signed_on": signed_on,
                "closed_at": timezone.now(),
            },
        )  # fmt: skip
        demand = docking.demand
        demand.refresh_from_db(fields=["status"])
        if demand.status in (D.PUBLISHED, D.DOCKING):
            DEMAND_FLOW.apply(
                demand, "resolve", actor=actor, reason=_("对接签约"),
                updates={"closed_at": timezone.now()},
            )  # fmt: skip
        with platform_language():
            title = _("对接已签约：%(title)s") % {"title": demand.title}
        notify(_other_side(actor, docking), title=title, url=docking.get_absolute_url())
    return docking


def docking_lose(actor, docking: Docking, *, reason: str) -> Docking:
    _require(permissions.can_take_part(actor, docking))
    return _end_without_contract(
        actor, docking, "lose", reason, gettext_noop("对接未成交：%(title)s")
    )


def docking_cancel(actor, docking: Docking, *, reason: str) -> Docking:
    _require(permissions.can_cancel(actor, docking))
    return _end_without_contract(
        actor, docking, "cancel", reason, gettext_noop("对接已撤销：%(title)s")
    )


def docking_reveal(actor, docking: Docking) -> Docking:
    _require(permissions.can_reveal(actor, docking))
    if docking.identity_revealed:
        return docking
    if docking.status not in LIVE_STATES:
        raise ActionError(_("对接已结束。"), code="docking_closed")
    with transaction.atomic():
        Docking.objects.filter(pk=docking.pk).update(identity_revealed=True)
        docking.identity_revealed = True
        audit.record(actor=actor, verb="docking.reveal", obj=docking)
        with platform_language():
            title = _("需求企业已向您公开身份：%(title)s") % {"title": docking.demand.title}
        notify(_members(docking.provider_id), title=title, url=docking.get_absolute_url())
    return docking


def _end_live_dockings(actor, demand: Demand, reason: str) -> None:
    for docking in demand.dockings.filter(status__in=LIVE_STATES):
        DOCKING_FLOW.apply(
            docking, "cancel", actor=actor, reason=reason,
            updates={"closed_at": timezone.now(), "outcome_reason": reason[:300]},
        )  # fmt: skip


def _maybe_reopen(actor, demand: Demand) -> None:
    """Back to the hall when the last live docking of a demand ended without a contract."""
    demand.refresh_from_db(fields=["status"])
    if demand.status == D.DOCKING and not demand.dockings.filter(status__in=LIVE_STATES).exists():
        DEMAND_FLOW.apply(demand, "reopen", actor=actor, reason=_("当前无进行中的对接"))


def dockings_flag_overdue(now=None) -> int:
    """The scheduled reminder: providers (or deciders) past the response deadline are reminded
    once a day; operators get the list. Returns how many dockings are overdue."""
    overdue = list(Docking.objects.overdue(now).for_list())
    for docking in overdue:
        with platform_language():
            title = _("对接响应已超时：%(title)s") % {"title": docking.demand.title}
        if docking.status == K.PROPOSED:
            people = list(_members(docking.provider_id))
        else:
            people = list(_members(docking.demand.enterprise_id))
        if docking.broker_id:
            people.append(docking.broker)
        with transaction.atomic():
            notify(people, title=title, url=docking.get_absolute_url())
    if overdue:
        with platform_language():
            title = _("%(n)d 个对接超过响应期限") % {"n": len(overdue)}
        with transaction.atomic():
            notify(_operators(), title=title, url="/demands/dockings/?overdue=1", email=False)
    return len(overdue)


# ---------------------------------------------------------------- brokers and weights

BROKER_FIELDS = ["certificate_no", "employer", "specialties", "bio", "active"]


def broker_register(actor, user: User, data: dict) -> BrokerProfile:
    if not permissions.is_operator(actor):
        raise NotAllowed(_("只有运营方可以登记技术经纪人。"))
    if user.role != Role.BROKER:
        raise ActionError(_("该用户的平台角色不是技术经纪人。"), code="not_a_broker")
    with transaction.atomic():
        profile, created = BrokerProfile.objects.get_or_create(user=user)
        before = audit.snapshot(profile, BROKER_FIELDS)
        for name in BROKER_FIELDS:
            if name in data:
                setattr(profile, name, data[name])
        profile.full_clean(exclude=["user"])
        profile.save()
        if "clusters" in data:
            profile.clusters.set(data["clusters"])
        audit.record(
            actor=actor, verb="broker.register" if created else "broker.update", obj=profile,
            changes=audit.diff(before, audit.snapshot(profile, BROKER_FIELDS)),
        )  # fmt: skip
    return profile


def broker_reward(
    actor, broker: BrokerProfile, *, amount, reason: str, docking: Docking | None = None
) -> BrokerReward:
    """Record a reward (or, with a negative amount, a correction of one)."""
    _require(permissions.can_record_reward(actor))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写事由。")})
    try:
        yuan = Decimal(str(amount).replace(",", "").strip())
    except (InvalidOperation, AttributeError):
        raise ValidationError({"amount": _("金额格式不正确。")}) from None
    if not yuan.is_finite() or yuan == 0 or yuan != yuan.quantize(Decimal("0.01")):
        raise ValidationError({"amount": _("金额不能为零，最多两位小数。")})
    if abs(yuan) >= Decimal("1e10"):
        raise ValidationError({"amount": _("金额过大。")})
    if docking is not None and broker.user_id not in (docking.broker_id, docking.demand.broker_id):
        raise ActionError(_("该对接不是这位经纪人经手的。"), code="not_their_docking")
    with transaction.atomic():
        reward = BrokerReward.objects.create(
            broker=broker, docking=docking, amount_fen=int(yuan * 100), reason=reason[:200],
            recorded_by=actor,
        )  # fmt: skip
        audit.record(
            actor=actor, verb="broker.reward", obj=broker, note=f"{yuan} 元：{reason[:150]}"
        )
    return reward


def weights_save(actor, values: dict) -> MatchWeights:
    _require(permissions.can_set_weights(actor))
    before = MatchWeights.current().as_floats()
    weights = MatchWeights(saved_by=actor)
    for name in MatchWeights.FIELDS:
        try:
            value = Decimal(str(values.get(name, getattr(weights, name))))
        except InvalidOperation:
            raise ValidationError({name: _("请输入 0 到 5 之间的数。")}) from None
        if not value.is_finite() or not (0 <= value <= 5):
            raise ValidationError({name: _("请输入 0 到 5 之间的数。")})
        setattr(weights, name, value.quantize(Decimal("0.01")))
    if weights.relevance <= 0:
        raise ValidationError({"relevance": _("文本相关度的权重必须大于 0。")})
    with transaction.atomic():
        weights.save()
        audit.record(
            actor=actor, verb="matching.weights", obj=weights,
            changes=audit.diff(before, weights.as_floats()),
        )  # fmt: skip
    return weights
