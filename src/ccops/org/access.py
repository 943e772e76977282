"""The scope of a user: the part of the organisation they may see and change.

Its own module so that the scope-checking helpers (`ccops.org.scoped`) and the use cases
(`ccops.org.service`) both build on it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, or_, true

from ccops.enums import ScopeKind
from ccops.org.models import Person, Team


@dataclass(frozen=True)
class Scope:
    """The part of the organisation a user may see and change.

    ``site_ids`` None means every site (scope ``all``). A ``teams`` scope reaches the people of
    its teams and the queues of their sites; an ``own`` scope reaches the user's own person and
    the queues of that person's site.
    """

    kind: ScopeKind
    site_ids: frozenset[int] | None
    team_ids: frozenset[int] = frozenset()
    person_id: int | None = None

    @property
    def everything(self) -> bool:
        """Whether nothing is filtered out."""
        return self.site_ids is None

    def allows_site(self, site_id: int) -> bool:
        """Whether data of the site ``site_id`` is in scope."""
        return self.site_ids is None or site_id in self.site_ids

    def people_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on Person selecting the people in scope."""
        if self.site_ids is None:
            return true()
        own = Person.id == self.person_id if self.person_id is not None else false()
        if self.kind == ScopeKind.own:
            return own
        if self.kind == ScopeKind.teams:
            return or_(own, Person.team_id.in_(sorted(self.team_ids)))
        return Person.site_id.in_(sorted(self.site_ids))

    def teams_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on Team selecting the teams in scope."""
        if self.site_ids is None:
            return true()
        if self.kind in (ScopeKind.own, ScopeKind.teams):
            return Team.id.in_(sorted(self.team_ids))
        return Team.site_id.in_(sorted(self.site_ids))


EVERYTHING = Scope(kind=ScopeKind.all, site_ids=None)
