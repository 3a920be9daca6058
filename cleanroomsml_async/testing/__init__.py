"""A local, stateful emulator of AWS Clean Rooms ML that speaks the real wire protocol.

```python
from cleanroomsml_async.testing import LocalCleanRoomsML

async with LocalCleanRoomsML() as emulator:
    emulator.add_audience_export_jobs(250)
    emulator.faults.throttle(2, operation="ListAudienceExportJobs")
    async with emulator.client() as client:
        jobs = await client.list_audience_export_jobs().to_list()
```
"""

from cleanroomsml_async.testing._emulator import LocalCleanRoomsML
from cleanroomsml_async.testing._faults import Fault, FaultInjector, FaultKind
from cleanroomsml_async.testing._log import RequestLog, RequestRecord
from cleanroomsml_async.testing._seeding import DemoData
from cleanroomsml_async.testing._wire import ArnFactory, TimeInput, format_timestamp

__all__ = [
    "ArnFactory",
    "DemoData",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "LocalCleanRoomsML",
    "RequestLog",
    "RequestRecord",
    "TimeInput",
    "format_timestamp",
]
