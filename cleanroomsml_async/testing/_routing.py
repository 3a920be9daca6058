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
    pattern: re.Pattern[str]

    @classmethod
    def for_operation(cls, name: str) -> Route:
        """Compile the route of one operation from its requestUri template."""
        http = operation_model(name).http
        template: str = http["requestUri"]
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
        return cls(operation=name, method=http["method"], pattern=re.compile(regex))


@dataclass(frozen=True, slots=True)
class RouteMatch:
    """A matched operation and its decoded URI labels."""

    operation: str
    uri_params: dict[str, str]


class Router:
    """Finds the operation a request is for."""

    def __init__(self, operations: tuple[str, ...] = OPERATION_NAMES) -> None:
        self._routes = [Route.for_operation(name) for name in operations]

    def match(self, method: str, raw_path: str) -> RouteMatch | None:
        """The operation for this method and percent-encoded path, or None."""
        for route in self._routes:
            if route.method != method:
                continue
            found = route.pattern.fullmatch(raw_path)
            if found is not None:
                params = {key: unquote(value) for key, value in found.groupdict().items()}
                return RouteMatch(route.operation, params)
        return None
