"""Fixtures shared by the catalog tests: a verified provider, its admin and a plain member, and
an operator. A test module may define its own fixture of the same name to override one."""

import pytest

from atelier.accounts.models import Role
from atelier.accounts.tests.factories import make_user
from atelier.orgs.models import Membership

from .factories import make_provider


@pytest.fixture
def provider():
    return make_provider(name="温州鞋革检测中心")


@pytest.fixture
def admin(provider):
    return provider.memberships.get(role=Membership.Role.ADMIN).user


@pytest.fixture
def member(provider):
    user = make_user()
    Membership.objects.create(user=user, organization=provider)
    return user


@pytest.fixture
def operator():
    return make_user(Role.OPERATOR)
