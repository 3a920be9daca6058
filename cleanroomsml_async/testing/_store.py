"""The emulator's state: one table of resources per kind, their indexes, and paging over them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from cleanroomsml_async.testing._kinds import DYNAMIC_MEMBERS, Kind, kinds
from cleanroomsml_async.testing._lifecycle import Lifecycles
from cleanroomsml_async.testing._tokens import PageTokens, fingerprint
from cleanroomsml_async.testing._wire import new_id

#: A resource exactly as the service sends it: camelCase keys, timestamps as ISO 8601 text.
Resource = dict[str, Any]
_Key = tuple[Any, ...]


class Table:
    """Resources of one kind in insertion order, found by key or by any set of list filters.

    A filter index is built the first time a listing asks for that set of filters and kept
    up to date from then on. Indexes hold the same dict objects as the main list, so a page
    is a list slice whatever the filters, and a status that changes in place shows up in
    every view.
    """

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.items: list[Resource] = []
        self._key_members = kind.key
        self._by_key: dict[_Key, Resource] = {}
        self._indexes: dict[tuple[str, ...], dict[_Key, list[Resource]]] = {}

    def __len__(self) -> int:
        return len(self.items)

    def key_of(self, item: Mapping[str, Any]) -> _Key:
        """The members that identify a resource of this kind."""
        return tuple([item.get(name) for name in self._key_members])

    def get(self, key: _Key) -> Resource | None:
        """The resource with this key, if stored."""
        return self._by_key.get(key)

    def add(self, item: Resource) -> None:
        """Append one resource (ValueError if its key is taken)."""
        self.extend((item,))

    def extend(self, items: Iterable[Resource]) -> None:
        """Append many resources; ValueError, and nothing stored, if a key is taken."""
        items = list(items)
        keys = [self.key_of(item) for item in items]
        if len(set(keys)) != len(keys):
            raise ValueError(f"a {self.kind.name} key is repeated in the batch")
        for key in keys:
            if key in self._by_key:
                shown = ", ".join(
                    f"{name}={value}" for name, value in zip(self._key_members, key, strict=True)
                )
                raise ValueError(f"a {self.kind.name} with {shown} already exists")
        self.items.extend(items)
        self._by_key.update(zip(keys, items, strict=True))
        for members, index in self._indexes.items():
            for item in items:
                self._index_one(index, members, item)

    def remove(self, item: Resource) -> None:
        """Drop one resource (from the list, its key and every index)."""
        key = self.key_of(item)
        if self._by_key.get(key) is not item:
            return
        del self._by_key[key]
        self.items.remove(item)
        for members, index in self._indexes.items():
            bucket = index.get(tuple([item.get(name) for name in members]))
            if bucket is not None:
                bucket.remove(item)

    def select(self, filters: Mapping[str, Any]) -> list[Resource]:
        """The resources whose members equal every filter, in insertion order.

        Not a copy when no dynamic member (status) is filtered on: do not change it.
        """
        dynamic = {name: value for name, value in filters.items() if name in DYNAMIC_MEMBERS}
        static = {name: value for name, value in filters.items() if name not in DYNAMIC_MEMBERS}
        if not static:
            found = self.items
        else:
            members = tuple(sorted(static))
            index = self._indexes.get(members)
            if index is None:
                index = self._indexes[members] = {}
                for item in self.items:
                    self._index_one(index, members, item)
            found = index.get(tuple([static[name] for name in members]), [])
        if dynamic:
            found = [
                item
                for item in found
                if all(item.get(name) == value for name, value in dynamic.items())
            ]
        return found

    @staticmethod
    def _index_one(
        index: dict[_Key, list[Resource]], members: tuple[str, ...], item: Resource
    ) -> None:
        key = tuple([item.get(name) for name in members])
        bucket = index.get(key)
        if bucket is None:
            index[key] = [item]
        else:
            bucket.append(item)

    def clear(self) -> None:
        """Drop every resource."""
        self.items.clear()
        self._by_key.clear()
        self._indexes.clear()


class Store:
    """All resources of one emulator, plus the page tokens that walk them."""

    def __init__(self) -> None:
        self.tables: dict[str, Table] = {name: Table(kind) for name, kind in kinds().items()}
        self.tokens = PageTokens()
        self.lifecycles = Lifecycles()
        self.memberships: dict[str, str] = {}
        """Membership id -> the id of its collaboration."""
        self.policies: dict[str, Resource] = {}
        """Configured audience model ARN -> its resource policy (and hash)."""
        self.ml_configurations: dict[str, Resource] = {}
        """Membership id -> its ML configuration."""

    def reset(self) -> None:
        """Drop every resource and make every page token issued so far stale."""
        for table in self.tables.values():
            table.clear()
        self.lifecycles.clear()
        self.memberships.clear()
        self.policies.clear()
        self.ml_configurations.clear()
        self.tokens.invalidate_all()

    def table(self, kind: str) -> Table:
        """The table of one kind, by name (e.g. "AudienceModel")."""
        return self.tables[kind]

    def collaboration_of(self, membership_id: str) -> str:
        """The collaboration of a membership; a membership seen first joins a new one."""
        collaboration = self.memberships.get(membership_id)
        if collaboration is None:
            collaboration = self.memberships[membership_id] = new_id()
        return collaboration

    def settle_now(self) -> None:
        """Apply every lifecycle step that is due by now."""
        self.lifecycles.settle_now()

    # Paging ----------------------------------------------------------------------------------

    def page(
        self,
        operation: str,
        matching: list[Resource],
        filters: Mapping[str, Any],
        max_results: int,
        next_token: str | None,
        *,
        empty: bool = False,
        cycle: bool = False,
    ) -> tuple[list[Resource], str | None]:
        """One page of a listing and the token of the next page (None on the last).

        empty and cycle are the fault modes: an empty page whose token resumes where this
        one started, and a token that leads back to this page (or to page one).
        """
        scope = fingerprint(operation, filters)
        offset = self.tokens.decode(next_token, scope) if next_token is not None else 0
        if empty:
            return [], self.tokens.encode(scope, offset)
        end = offset + max_results
        items = matching[offset:end]
        if cycle:
            return items, next_token or self.tokens.encode(scope, 0)
        return items, self.tokens.encode(scope, end) if end < len(matching) else None
