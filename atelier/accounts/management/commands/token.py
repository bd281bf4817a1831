from django.core.management.base import BaseCommand, CommandError

from atelier.accounts.actions import token_create
from atelier.accounts.models import User


class Command(BaseCommand):
    help = "API 令牌：atelier token create USERNAME（用户名、手机号或邮箱），打印一次令牌。"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户创建 API 令牌")
        create.add_argument("username")
        create.add_argument("--name", default="cli")

    def handle(self, *args, action, username, name, **options):
        user = User.objects.get_by_identifier(username)
        if user is None:
            raise CommandError(f"用户不存在：{username}")
        if not user.is_active:
            raise CommandError(f"用户已停用：{username}")
        _, key = token_create(user=user, name=name)
        self.stdout.write(key)
