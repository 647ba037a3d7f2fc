"""Factories for counties, groups (集团 → 子公司) and the users of either: county officers and group users."""

from enterprises.choices import RegionLevel, Role
from enterprises.models import Enterprise, Profile, Region

from . import EnterpriseFactory, UserFactory, make_officer


def county(code: str, name: str | None = None) -> Region:
    """The county-level region `code`: the reference data's (load_regions) or, where the test database has no
    counties, made under its prefecture (the code's first four digits + "00")."""
    found = Region.objects.filter(code=code).first()
    if found is not None:
        assert found.level == RegionLevel.COUNTY, f"{code} is a {found.level}"
        return found
    prefecture = Region.objects.get(code=code[:4] + "00", level=RegionLevel.PREFECTURE)
    return Region.objects.create(code=code, name=name or f"县{code}", level=RegionLevel.COUNTY, parent=prefecture)


def make_county_officer(username: str, *, counties, enterprises=()):
    """An officer of a county federation of trade unions (县级总工会), in charge of `counties`."""
    return make_officer(username, regions=counties, enterprises=enterprises)


def subsidiary(parent: Enterprise, **fields) -> Enterprise:
    """An enterprise of `parent`'s group, in `parent`'s region unless told."""
    fields.setdefault("region", parent.region)
    return EnterpriseFactory(parent=parent, **fields)


def make_group_user(username: str, *, head: Enterprise, granted=()):
    """A user of the group's head office (集团用户), granted `granted` (written directly, as a fixture: the grant
    service's own tests go through enterprises.group_access)."""
    user = UserFactory(username=username)
    profile = Profile.objects.create(user=user, role=Role.GROUP, enterprise=head)
    profile.charge_enterprises.set(granted)
    return user
