from atelier.core.models import AuditEntry


def can_browse_audit(user) -> bool:
    """Operators, auditors and sysadmins read the audit trail; nobody edits it."""
    return bool(
        user.is_authenticated
        and (user.is_superuser or user.role in {"operator", "auditor", "sysadmin"})
    )


def audit_visible_to(user):
    if can_browse_audit(user):
        return AuditEntry.objects.all()
    return AuditEntry.objects.none()
