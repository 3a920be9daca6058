"""The committed generated files are exactly what the generator writes from the vendored model."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_committed_models_match_the_generator() -> None:
    result = subprocess.run(
        [sys.executable, "scripts/generate.py", "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, (
        f"a generated file is stale or the generator failed:\n{result.stdout}{result.stderr}"
    )
    assert result.stderr == ""
