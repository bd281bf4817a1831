"""Template context shared by every page: the platform navigation and the notification bell.

Each navigation entry names the URL of the finished module and the "即将上线" page to use until
that module's URLconf is installed, so a new app shows up in the header as soon as its URLs exist.
"""

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (label, icon, URL name of the finished module, slug of the coming-soon page or None)
NAVIGATION = [
    (_("首页"), "house", "portal:home", None),
    (_("资源库"), "collection", "catalog:list", "resources"),
    (_("需求大厅"), "megaphone", "demands:list", "demands"),
    (_("创新券"), "ticket-perforated", "vouchers:list", "vouchers"),
    (_("服务与预约"), "calendar-check", "orders:list", "services"),
    (_("数据驾驶舱"), "bar-chart-line", "kpi:cockpit", "cockpit"),
    (_("我的工作台"), "grid-1x2", "portal:workspace", None),
]


def _is_active(path: str, url: str) -> bool:
    if url == "/":
        return path == "/"
    return path == url or path.startswith(url.rstrip("/") + "/")


class _Lazy:
    """A value computed on first use and then remembered (templates may ask several times)."""

    def __init__(self, compute):
        self._compute = compute
        self._done = False
        self._value = None

    def __call__(self):
        if not self._done:
            self._value = self._compute()
            self._done = True
        return self._value


def navigation(request):
    path = request.path
    items = []
    for label, icon, url_name, soon_slug in NAVIGATION:
        soon = False
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            if soon_slug is None:
                continue
            try:
                url = reverse("portal:soon", args=[soon_slug])
            except NoReverseMatch:
                continue
            soon = True
        items.append(
            {
                "label": label,
                "icon": icon,
                "url": url,
                "active": _is_active(path, url),
                "soon": soon,
            }
        )

    user = getattr(request, "user", None)

    def unread():
        if user is None or not user.is_authenticated:
            return 0
        return user.notifications.filter(read_at__isnull=True).count()

    return {
        "nav_items": items,
        # A callable: the query runs only when a template shows the bell (not for htmx fragments).
        "unread_notifications": _Lazy(unread),
    }
