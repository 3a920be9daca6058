"""Map (HTTP method, raw path) to an operation, using the requestUri templates of the model."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

from cleanroomsml_async.testing._service import OPERATION_NAMES, operation_model

_LABEL = re.compile(r"\{([^}]+)\}")


@dataclass(frozen=True, slots=True)
class Route:
    """One operation's HTTP binding, compiled to a regex over the percent-encoded path."""

    operation: str
    method: str
    template: str
    pattern: re.Pattern[str]

    @classmethod
    def for_operation(cls, name: str) -> Route:
        """Compile the route of one operation from its requestUri template."""
        http = operation_model(name).http
        # A requestUri may carry a literal query part ("/x?y"); routing is on the path.
        template: str = http["requestUri"].split("?", 1)[0]
        # Match labels on the raw path: botocore percent-encodes '/' and ':' inside a label
        # (ARNs are full of both), and only the raw form keeps label boundaries intact.
        regex = ""
        position = 0
        for label in _LABEL.finditer(template):
            regex += re.escape(template[position : label.start()])
            name_ = label.group(1)
            if name_.endswith("+"):
                regex += f"(?P<{name_[:-1]}>.+)"
            else:
                regex += f"(?P<{name_}>[^/]+)"
            position = label.end()
        regex += re.escape(template[position:])
        return cls(name, http["method"], template, re.compile(regex))


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A matched operation and its decoded URI labels."""

    operation: str
    uri_params: dict[str, str]


@dataclass(frozen=True, slots=True)
class RouteMiss:
    """No operation for this request; allowed lists the methods the path does serve."""

    allowed: tuple[str, ...]


class Router:
    """Finds the operation a request is for."""

    def __init__(self, operations: tuple[str, ...] = OPERATION_NAMES) -> None:
        routes = [Route.for_operation(name) for name in operations]
        # Several operations share a path template and differ by method (GET, PATCH and
        # DELETE on /memberships/{m}/trained-models/{arn}): one regex per template, tried
        # once, then the method picks the operation.
        self._templates: dict[str, tuple[re.Pattern[str], dict[str, str]]] = {}
        for route in routes:
            _, methods = self._templates.setdefault(route.template, (route.pattern, {}))
            methods[route.method] = route.operation
        self._table = list(self._templates.values())

    def match(self, method: str, raw_path: str) -> RouteMatch | RouteMiss:
        """The operation for this method and percent-encoded path, or what the path allows."""
        allowed: list[str] = []
        for pattern, methods in self._table:
            found = pattern.fullmatch(raw_path)
            if found is None:
                continue
            operation = methods.get(method)
            if operation is None:
                allowed += methods
                continue
            params = {key: unquote(value) for key, value in found.groupdict().items()}
            return RouteMatch(operation, params)
        return RouteMiss(tuple(sorted(set(allowed))))
