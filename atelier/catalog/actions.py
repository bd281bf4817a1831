"""Every write on the resource library. Each action keeps the search index current in the same
transaction (atelier.search.engine), so a listing is findable the moment its action commits."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from atelier.accounts.models import User
from atelier.core import audit
from atelier.core.errors import Conflict, NotAllowed
from atelier.core.models import Notification
from atelier.core.workflow import Transition, Workflow
from atelier.orgs.models import Membership, OrgStatus
from atelier.search import engine, semantic
from atelier.search.models import SynonymGroup

from . import permissions
from .models import DETAIL_MODELS, Resource, ResourceStatus

S = ResourceStatus
LIFECYCLE = Workflow(
    Resource,
    [
        Transition("submit", (S.DRAFT, S.REJECTED), S.SUBMITTED, "提交审核"),
        Transition("publish", (S.SUBMITTED,), S.PUBLISHED, "审核发布"),
        Transition("reject", (S.SUBMITTED,), S.REJECTED, "驳回", requires_reason=True),
        Transition("archive", (S.PUBLISHED, S.DRAFT, S.REJECTED), S.ARCHIVED, "下架"),
        Transition("restore", (S.ARCHIVED,), S.DRAFT, "恢复为草稿"),
    ],
)

COMMON_FIELDS = [
    "title", "district", "category", "description", "keywords", "price", "price_unit",
    "voucher_eligible", "external_id",
]  # fmt: skip


def search_document(resource: Resource) -> engine.Document:
    """What the search index knows of a resource: weighted text fields and facet values."""
    clusters = list(resource.clusters.all())
    detail = resource.detail
    extra = []
    if detail is not None:
        for f in detail._meta.concrete_fields:
            value = getattr(detail, f.attname)
            if isinstance(value, str) and f.name not in ("resource",) and not f.choices:
                extra.append(value)
    return engine.Document(
        doc_id=resource.pk,
        fields={
            "title": resource.title,
            "category": " ".join([resource.category, resource.keywords]),
            "industry": " ".join(c.name for c in clusters),
            "body": " ".join([resource.description, *extra, resource.provider.name]),
        },
        facets={
            "kind": [resource.kind],
            "industry": [c.code for c in clusters],
            "district": [resource.district_id],
            "category": [resource.category] if resource.category else [],
            "voucher": ["1" if resource.voucher_eligible else "0"],
            "provider": [str(resource.provider_id)],
        },
    )


def reindex(resources) -> None:
    """Bring the index (BM25F postings and sentence vectors) in line with `resources`:
    published ones in, all others out."""
    resources = list(resources)
    live = [r for r in resources if r.status == S.PUBLISHED]
    gone = [r.pk for r in resources if r.status != S.PUBLISHED]
    if gone:
        engine.delete(gone)
        semantic.delete(gone)
    if live:
        documents = [search_document(r) for r in live]
        engine.upsert(documents)
        semantic.upsert(documents)  # sentence vectors for matching (unchanged text: no work)


def _refresh(resource: Resource) -> Resource:
    return (
        Resource.objects.select_related("provider", "district")
        .prefetch_related("clusters")
        .get(pk=resource.pk)
    )


def _save_detail(resource: Resource, detail: dict | None) -> None:
    model = DETAIL_MODELS[resource.kind]
    row = model.objects.filter(resource=resource).first() or model(resource=resource)
    for name, value in (detail or {}).items():
        setattr(row, name, value)
    try:
        row.full_clean(exclude=["resource"])
    except ValidationError as exc:
        raise ValidationError({f"detail.{k}": v for k, v in exc.message_dict.items()}) from exc
    row.save()
    resource._state.fields_cache.pop(f"{resource.kind}_detail", None)


@transaction.atomic
def resource_create(
    *,
    actor: User,
    provider,
    kind: str,
    title: str,
    clusters=(),
    industries=(),
    detail: dict | None = None,
    publish: bool = False,
    **fields,
) -> Resource:
    """Create a listing as a draft (or published at once when a moderator says `publish`)."""
    if not (decision := permissions.can_publish_for(actor, provider)):
        raise NotAllowed(decision.reason)
    if publish and not permissions.is_moderator(actor):
        raise NotAllowed("只有运营方可以直接发布资源。")
    unknown = set(fields) - set(COMMON_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    fields.setdefault("district", provider.district)
    resource = Resource(
        kind=kind, title=(title or "").strip(), provider=provider, created_by=actor, **fields
    )
    resource.full_clean()
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError as exc:
        raise ValidationError({"external_id": "编号已存在。"}) from exc
    resource.clusters.set(clusters)
    resource.industries.set(industries)
    _save_detail(resource, detail)
    audit.record(
        actor=actor,
        verb="resource.create",
        obj=resource,
        changes=audit.snapshot(resource, ["kind", "title", "provider", "external_id"]),
    )
    if publish:
        LIFECYCLE.apply(resource, "submit", actor=actor)
        LIFECYCLE.apply(resource, "publish", actor=actor, updates={"published_at": timezone.now()})
    resource = _refresh(resource)
    reindex([resource])
    return resource


@transaction.atomic
def resource_update(
    *, actor: User, resource: Resource, clusters=None, industries=None, detail=None, **fields
) -> Resource:
    if not (decision := permissions.can_edit_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    unknown = set(fields) - set(COMMON_FIELDS)
    if unknown:
        raise TypeError(f"unknown fields: {sorted(unknown)}")
    tracked = COMMON_FIELDS + ["clusters"]
    before = audit.snapshot(resource, tracked)
    for name, value in fields.items():
        setattr(resource, name, value)
    resource.full_clean()
    resource.last_verified_at = timezone.now()  # an owner's edit re-confirms the listing
    try:
        with transaction.atomic():
            resource.save()
    except IntegrityError as exc:
        raise ValidationError({"external_id": "编号已存在。"}) from exc
    if clusters is not None:
        resource.clusters.set(clusters)
    if industries is not None:
        resource.industries.set(industries)
    if detail is not None:
        _save_detail(resource, detail)
    changes = audit.diff(before, audit.snapshot(resource, tracked))
    if changes or detail:
        audit.record(actor=actor, verb="resource.update", obj=resource, changes=changes)
    resource = _refresh(resource)
    reindex([resource])
    return resource


def _transition(resource: Resource, event: str, *, actor: User, reason: str = "", **updates):
    LIFECYCLE.apply(resource, event, actor=actor, reason=reason, updates=updates or None)
    resource = _refresh(resource)
    reindex([resource])
    return resource


def _notify_provider(resource: Resource, title: str, body: str = "") -> None:
    users = list(
        User.objects.filter(
            memberships__organization_id=resource.provider_id, is_active=True
        ).distinct()
    )
    url = resource.get_absolute_url()
    transaction.on_commit(
        lambda: Notification.objects.bulk_create(
            [Notification(user=u, title=title, body=body, url=url) for u in users]
        )
    )


def _require_verified_provider(resource: Resource) -> None:
    """A listing goes public only while its organisation is verified (not pending/suspended)."""
    if resource.provider.status != OrgStatus.VERIFIED:
        raise Conflict("机构通过实名认证后才能发布资源。", code="provider_not_verified")


@transaction.atomic
def resource_submit(*, actor: User, resource: Resource) -> Resource:
    if not (decision := permissions.can_edit_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    _require_verified_provider(resource)
    return _transition(resource, "submit", actor=actor)


@transaction.atomic
def resource_publish(*, actor: User, resource: Resource, note: str = "") -> Resource:
    if not (decision := permissions.can_moderate_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    _require_verified_provider(resource)
    resource = _transition(
        resource, "publish", actor=actor, reason=note, published_at=timezone.now(),
        last_verified_at=timezone.now(),
    )  # fmt: skip
    _notify_provider(resource, f"资源已发布：{resource.title}")
    return resource


@transaction.atomic
def resource_reject(*, actor: User, resource: Resource, reason: str) -> Resource:
    if not (decision := permissions.can_moderate_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    resource = _transition(resource, "reject", actor=actor, reason=reason)
    _notify_provider(resource, f"资源未通过审核：{resource.title}", reason)
    return resource


@transaction.atomic
def resource_archive(*, actor: User, resource: Resource, reason: str = "") -> Resource:
    if not (decision := permissions.can_archive_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    return _transition(resource, "archive", actor=actor, reason=reason)


@transaction.atomic
def resource_restore(*, actor: User, resource: Resource) -> Resource:
    if not (decision := permissions.can_archive_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    return _transition(resource, "restore", actor=actor)


@transaction.atomic
def resource_confirm(*, actor: User, resource: Resource) -> Resource:
    """The owner confirms the listing is still accurate (resets the 12-month stale clock)."""
    if not (decision := permissions.can_edit_resource(actor, resource)):
        raise NotAllowed(decision.reason)
    now = timezone.now()
    Resource.objects.filter(pk=resource.pk).update(last_verified_at=now, stale_reminded_at=None)
    audit.record(
        actor=actor,
        verb="resource.confirm",
        obj=resource,
        changes={"last_verified_at": [resource.last_verified_at, now]},
    )
    resource.last_verified_at = now
    resource.stale_reminded_at = None
    return resource


@transaction.atomic
def resources_remind_stale(*, now=None) -> int:
    """Remind the admins of every organisation with stale listings, once per listing until it
    is confirmed. Returns how many listings were flagged. Run daily by the scheduler."""
    now = now or timezone.now()
    stale = list(
        Resource.objects.stale(now)
        .filter(stale_reminded_at__isnull=True)
        .select_related("provider")
    )
    by_org: dict[int, list[Resource]] = {}
    for r in stale:
        by_org.setdefault(r.provider_id, []).append(r)
    notes = []
    for org_id, items in by_org.items():
        admins = User.objects.filter(
            memberships__organization_id=org_id, memberships__role=Membership.Role.ADMIN,
            is_active=True,
        )  # fmt: skip
        titles = "、".join(r.title for r in items[:3]) + ("等" if len(items) > 3 else "")
        for admin in admins:
            notes.append(Notification(
                user=admin,
                title=f"{len(items)} 条资源超过 12 个月未核实",
                body=f"请确认以下资源信息是否仍然准确：{titles}",
                url=reverse("catalog:mine") + "?stale=1",
            ))  # fmt: skip
    Notification.objects.bulk_create(notes)
    Resource.objects.filter(pk__in=[r.pk for r in stale]).update(stale_reminded_at=now)
    if stale:
        audit.record(actor=None, verb="resource.stale_reminder", note=f"{len(stale)} 条资源")
    return len(stale)


# --------------------------------------------------------------------------------------------
# Synonym groups (operators): every word of a group is indexed with the group's token, so a
# change re-indexes the listings that contain any of the old or new words, in this transaction.


def _reindex_words(words) -> int:
    doc_ids = engine.docs_with_terms(words)
    if doc_ids:
        resources = (
            Resource.objects.filter(pk__in=doc_ids)
            .select_related("provider", "district")
            .prefetch_related("clusters")
        )
        reindex(resources)
    return len(doc_ids)


@transaction.atomic
def synonym_group_save(
    *, actor: User, words: str, group: SynonymGroup | None = None, active: bool = True
) -> SynonymGroup:
    if not permissions.is_moderator(actor):
        raise NotAllowed("只有运营方可以维护同义词。")
    members = list(dict.fromkeys(w for w in (words or "").replace("，", " ").replace(",", " ")
                                 .split() if w))  # fmt: skip
    if len(members) < 2:
        raise ValidationError({"words": "同义词组至少需要两个词，以空格分隔。"})
    if any(len(w) > 30 for w in members):
        raise ValidationError({"words": "单个词不能超过 30 个字。"})
    old_words = group.word_list if group else []
    before = {"words": group.words, "active": group.active} if group else {}
    group = group or SynonymGroup()
    group.words = " ".join(members)
    group.active = active
    group.save()
    engine.reset_synonyms()
    touched = _reindex_words(set(old_words) | set(members))
    audit.record(
        actor=actor, verb="synonym.save", obj=group,
        changes=audit.diff(before, {"words": group.words, "active": group.active}),
        note=f"重新索引 {touched} 条资源",
    )  # fmt: skip
    return group


@transaction.atomic
def synonym_group_delete(*, actor: User, group: SynonymGroup) -> None:
    if not permissions.is_moderator(actor):
        raise NotAllowed("只有运营方可以维护同义词。")
    words = group.word_list
    audit.record(actor=actor, verb="synonym.delete", obj=group, changes={"words": group.words})
    group.delete()
    engine.reset_synonyms()
    _reindex_words(words)
