"""Every check a change must pass, each in its own virtual environment.

`nox` runs the default sessions: tests, tests_oldest (the suite on the oldest declared
dependencies), otel, lint, typecheck and docs. On demand: `nox -s demo` runs the demo,
`nox -s refresh_model` vendors the installed botocore's service model and regenerates,
`nox -s bench` runs the speed and memory benchmarks and `nox -s storm` the throttling storm.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "tests_oldest", "otel", "lint", "typecheck", "docs"]
nox.options.error_on_missing_interpreters = True

# The oldest releases pyproject.toml declares; tests_oldest proves the floors are true.
OLDEST = ["aiobotocore==2.22.0", "pydantic==2.11.0", "tenacity==8.3.0"]

# What the tracing tests need besides the `otel` extra: the SDK (in-memory exporter) and the
# aiobotocore instrumentation, whose AiobotocoreInstrumentor first shipped in 0.62b0.
OTEL_TEST = ["opentelemetry-sdk", "opentelemetry-instrumentation-botocore>=0.62b0"]
# Tests that import OpenTelemetry: only the `otel` session, which installs it, collects them.
OTEL_TESTS = "tests/otel"

# Everything a type check or test reads, so both see the same tree.
CHECKED = ["cleanroomsml_async", "tests", "scripts", "examples", "benchmarks", "noxfile.py"]


@nox.session
def tests(session: nox.Session) -> None:
    """The test suite, over real HTTP against the emulator, with a coverage floor.

    Without OpenTelemetry installed, as most users run it; the tracing tests are `otel`'s.
    """
    session.install("-e", ".[test]")
    session.run(
        "pytest",
        f"--ignore={OTEL_TESTS}",
        "--cov=cleanroomsml_async",
        "--cov-report=",
        *session.posargs,
    )
    # The floor is its own step: its exit code does not depend on a pytest plugin's hooks.
    session.run("coverage", "report", "--fail-under=90")


@nox.session
def otel(session: nox.Session) -> None:
    """Tracing: the `otel` extra, the SDK's in-memory exporter, the aiobotocore instrumentation."""
    session.install("-e", ".[test,otel]", *OTEL_TEST)
    session.run("pytest", OTEL_TESTS, *session.posargs)


@nox.session
def tests_oldest(session: nox.Session) -> None:
    """The test suite against the oldest aiobotocore (so botocore), pydantic and tenacity."""
    session.install("-e", ".[test]", *OLDEST)
    session.run("pytest", "-p", "no:cacheprovider", f"--ignore={OTEL_TESTS}", *session.posargs)


@nox.session
def refresh_model(session: nox.Session) -> None:
    """Copy the installed botocore's cleanroomsml model into the package and regenerate."""
    session.install("-e", ".[test]")
    session.run("python", "scripts/refresh_model.py")
    session.run("python", "scripts/generate.py")


@nox.session
def lint(session: nox.Session) -> None:
    """ruff's lint rules and its formatter, checked, not applied."""
    session.install(".[lint]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the package, the tests, the scripts and the examples."""
    session.install("-e", ".[test,typecheck,otel]", *OTEL_TEST, "nox")
    session.run("mypy", *CHECKED)


@nox.session
def docs(session: nox.Session) -> None:
    """The documentation site, built with warnings as errors."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session
def demo(session: nox.Session) -> None:
    """All five operations through the real client, against the embedded emulator."""
    session.install(".")
    session.run("python", "-m", "cleanroomsml_async", "demo")


@nox.session
def bench(session: nox.Session) -> None:
    """Speed and memory against raw aiobotocore, in one run; not part of the default run.

    A regular install, not an editable one: pip byte-compiles it as it does for users, so a
    cold import measures loading the package, not compiling it (this matters where
    PYTHONDONTWRITEBYTECODE is set, and Python never writes the bytecode of a source tree).
    """
    session.install(".")
    session.run("python", "benchmarks/run.py", *session.posargs)


@nox.session
def storm(session: nox.Session) -> None:
    """50 concurrent paginations against a rate-limited emulator, ours vs aiobotocore adaptive."""
    session.install("-e", ".")
    session.run("python", "benchmarks/storm.py", *session.posargs)
