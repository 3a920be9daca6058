"""Copy the installed botocore's ``cleanroomsml`` model into ``cleanroomsml_async/_data``.

The package generates its code from that vendored copy, never from whatever botocore is
installed, so a botocore upgrade changes nothing until this is run (``nox -s refresh_model``,
which then regenerates). ``_data/SOURCE.json`` records the botocore release it came from.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import botocore

SERVICE = "cleanroomsml"
TARGET = Path(__file__).resolve().parent.parent / "cleanroomsml_async" / "_data"


def main() -> int:
    source = Path(botocore.__file__).resolve().parent / "data" / SERVICE
    (version_dir,) = sorted(path for path in source.iterdir() if path.is_dir())[-1:]
    out = TARGET / SERVICE / version_dir.name
    out.mkdir(parents=True, exist_ok=True)
    files = []
    for name in ("service-2.json", "paginators-1.json"):
        plain, packed = version_dir / name, version_dir / f"{name}.gz"
        text = plain.read_bytes() if plain.exists() else gzip.decompress(packed.read_bytes())
        (out / name).write_bytes(text)
        files.append(name)
    record = {
        "service": SERVICE,
        "api_version": version_dir.name,
        "botocore": botocore.__version__,
        "files": files,
    }
    (TARGET / "SOURCE.json").write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"vendored {SERVICE} {version_dir.name} from botocore {botocore.__version__}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
