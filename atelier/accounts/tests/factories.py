import itertools

from atelier.accounts.models import Role, User

_seq = itertools.count(1)
PASSWORD = "Wz-demo-2026"


def make_user(role: str = Role.MEMBER, *, district: str | None = None, **overrides) -> User:
    n = next(_seq)
    fields = dict(
        username=f"user{n}",
        name=f"测试用户{n}",
        mobile=f"139{n:08d}",
        email=f"user{n}@example.cn",
        role=role,
    )
    if role == Role.REVIEWER:
        fields["district_id"] = district or "330302"
    elif district:
        fields["district_id"] = district
    if role == Role.SYSADMIN:
        fields.update(is_staff=True, is_superuser=True)
    fields.update(overrides)
    password = fields.pop("password", PASSWORD)
    return User.objects.create_user(password=password, **fields)
