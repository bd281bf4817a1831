from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from . import codes


class DistrictQuerySet(models.QuerySet):
    def wenzhou(self):
        return self.exclude(code=codes.OUTSIDE_CODE)

    def lookup(self, value: str) -> "District | None":
        """Find a district by GB/T 2260 code, full or short name, or 市外."""
        value = (value or "").strip()
        value = codes.OLD_DISTRICT_CODES.get(value, value)
        return (
            self.filter(models.Q(code=value) | models.Q(name=value) | models.Q(short_name=value))
            .order_by("sort")
            .first()
        )


class District(models.Model):
    """A county-level division of Wenzhou (GB/T 2260), or the catch-all 市外."""

    code = models.CharField(_("区划代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    short_name = models.CharField(_("简称"), max_length=10)
    name_en = models.CharField(_("英文名"), max_length=40)
    sort = models.PositiveSmallIntegerField(default=0)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        ordering = ["sort"]
        verbose_name = _("区县")
        verbose_name_plural = _("区县")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name for display: the English name on English pages, else the Chinese name."""
        if self.name_en and (get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def is_outside(self) -> bool:
        return self.code == codes.OUTSIDE_CODE


class Industry(models.Model):
    """A GB/T 4754-2017 industry class relevant to the fashion cluster."""

    class Cluster(models.TextChoices):
        SHOES = "shoes", _("鞋业")
        LEATHER = "leather", _("皮革")
        EYEWEAR = "eyewear", _("眼镜")
        APPAREL = "apparel", _("服装")
        ACCESSORIES = "accessories", _("饰品")
        DESIGN = "design", _("设计")
        SUPPORTING = "supporting", _("配套与服务")

    code = models.CharField(_("行业代码"), max_length=6, primary_key=True)
    name = models.CharField(_("名称"), max_length=40)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    cluster = models.CharField(_("产业集群"), max_length=16, choices=Cluster.choices)

    class Meta:
        ordering = ["code"]
        verbose_name = _("行业")
        verbose_name_plural = _("行业")

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the active language (names are in the catalogs, see codes.py)."""
        return gettext(self.name)

    @property
    def is_fashion(self) -> bool:
        return self.cluster in codes.FASHION_CLUSTERS


class ClusterQuerySet(models.QuerySet):
    def lookup(self, value: str) -> "Cluster | None":
        value = (value or "").strip()
        return self.filter(models.Q(code=value) | models.Q(name=value)).first()


class Cluster(models.Model):
    """An industry cluster label (鞋业, 眼镜, …) used for facets, statistics and imports."""

    code = models.SlugField(primary_key=True, max_length=16)
    name = models.CharField(_("名称"), max_length=20, unique=True)
    sort = models.PositiveSmallIntegerField(default=0)

    objects = ClusterQuerySet.as_manager()

    class Meta:
        ordering = ["sort"]
        verbose_name = _("产业集群")
        verbose_name_plural = _("产业集群")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (names are in the catalogs, see codes.py)."""
        return gettext(self.name)


class EnterpriseTag(models.Model):
    code = models.SlugField(primary_key=True, max_length=20)
    name = models.CharField(_("名称"), max_length=20, unique=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("企业标签")
        verbose_name_plural = _("企业标签")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the active language (names are in the catalogs, see codes.py)."""
        return gettext(self.name)


class AppendOnlyError(RuntimeError):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def for_object(self, obj):
        return self.filter(
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
        )

    def update(self, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能修改。")

    def delete(self):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class AuditEntry(models.Model):
    """One write made through an action: who did what to which object, with the changed fields.

    Append-only: rows are never updated or deleted through the ORM (see save/delete and the
    queryset), the admin shows them read-only, and no view changes them.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_label = models.CharField(_("操作人"), max_length=150, blank=True)
    verb = models.CharField(_("操作"), max_length=64, db_index=True)
    content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("对象类型")
    )
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    changes = models.JSONField(_("变更"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    note = models.TextField(_("说明"), blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    target = GenericForeignKey("content_type", "object_id")
    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("审计日志只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计日志只能追加，不能删除。")


class StatusChange(models.Model):
    """One move of a workflow: the object, the field, from → to, the event, who, when and why.

    Shared by every app's workflow (see core/workflow.py); also append-only.
    """

    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    field = models.CharField(max_length=40, default="status")
    event = models.CharField(_("事件"), max_length=40)
    from_state = models.CharField(_("原状态"), max_length=40)
    to_state = models.CharField(_("新状态"), max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    reason = models.TextField(_("原因"), blank=True)

    target = GenericForeignKey("content_type", "object_id")
    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("状态变更")
        verbose_name_plural = _("状态变更")
        indexes = [models.Index(fields=["content_type", "object_id", "at"])]

    def __str__(self) -> str:
        return f"{self.from_state} → {self.to_state} ({self.event})"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("状态历史只能追加，不能修改。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("状态历史只能追加，不能删除。")


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def mark_read(self) -> int:
        from django.utils import timezone

        return self.unread().update(read_at=timezone.now())


class Notification(models.Model):
    """An in-app message to one user (the bell in the header)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    at = models.DateTimeField(auto_now_add=True)
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("站内消息")
        verbose_name_plural = _("站内消息")

    def __str__(self) -> str:
        return self.title
