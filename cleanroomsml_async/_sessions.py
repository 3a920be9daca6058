"""Fresh aiobotocore sessions that cost little: the data files and built-in hooks are shared.

A client made without ``session=`` needs a session of its own: a session caches the
credentials it resolves (a client must read the credential chain when it opens, as the caller
may have changed the environment or the profile since) and its refreshable credentials hold
locks of the event loop that made them. But a new ``AioSession()`` re-reads botocore's JSON
data files (the service model, endpoints, partitions: tens of milliseconds that block the event
loop) and re-registers some 120 built-in event handlers, inspecting each one's signature.

So every session made here gets, through botocore's public component and constructor
arguments:

- one process-wide botocore ``Loader``, whose cache keeps each data file parsed once. It looks
  in the vendored model first (``_service_model.DATA_DIR``), so our clients serialise with the
  model this package was generated from, whichever botocore is installed; then in
  ``AWS_DATA_PATH`` and botocore's own folders, as botocore's default loader does;
- a copy of one emitter that holds botocore's built-in handlers, registered once. Copying is
  what botocore itself does to give each client its own emitter.

Nothing process-wide changes: the loader and the template emitter are only ever given to the
sessions made here. A caller's own ``session=`` is used as it is.
"""

from __future__ import annotations

import copy
import functools
import os
import threading
from typing import Any

from cleanroomsml_async._service_model import DATA_DIR

__all__ = ["fresh_session"]

_LOCK = threading.Lock()


@functools.cache
def _shared_loader() -> Any:
    from botocore.loaders import Loader

    extra = [str(DATA_DIR)]
    extra += [path for path in os.environ.get("AWS_DATA_PATH", "").split(os.pathsep) if path]
    return Loader(extra_search_paths=extra)


@functools.cache
def _builtin_handlers() -> Any:
    """An emitter holding botocore's built-in handlers, as a new session would register them."""
    from aiobotocore.hooks import AioHierarchicalEmitter
    from botocore import handlers
    from botocore.hooks import EventAliaser

    emitter = AioHierarchicalEmitter()
    # Registered through the aliaser, as a session does: old event names become current ones.
    aliaser = EventAliaser(emitter)
    for event_name, handler, *position in handlers.BUILTIN_HANDLERS:
        if not position:
            aliaser.register(event_name, handler)
        elif position[0] is handlers.REGISTER_FIRST:
            aliaser.register_first(event_name, handler)
        else:
            aliaser.register_last(event_name, handler)
    return emitter


def fresh_session() -> Any:
    """A new ``AioSession``: its own credentials and config, botocore's data read only once."""
    from aiobotocore.session import AioSession

    # The lock: a copy must not see the template half-built by another thread.
    with _LOCK:
        events = copy.copy(_builtin_handlers())
        loader = _shared_loader()
    session = AioSession(event_hooks=events, include_builtin_handlers=False)
    session.register_component("data_loader", loader)
    return session
