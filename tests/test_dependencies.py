"""The dependencies are pinned: every package pyproject.toml asks for, and every package
those need, has one version and its hashes in the lock files that `make run` and `make test`
install from (`make lock` makes them anew after a change to pyproject.toml)."""

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\]+)", re.M)


def canonical(name: str) -> str:
    """A distribution's name as pip compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(extra: str | None = None) -> set[str]:
    """The names pyproject.toml asks for (with an extra's too)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if extra:
        wanted += project["optional-dependencies"][extra]
    return {
        canonical(re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]) for requirement in wanted
    }


def pinned(lock: str) -> dict[str, list[str]]:
    """name → the lines of its entry in a lock file."""
    text = (ROOT / lock).read_text()
    entries: dict[str, list[str]] = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        if match := PIN.match(block):
            entries[canonical(match.group(1))] = block.splitlines()
    return entries


@pytest.mark.parametrize(
    ("lock", "extra"), [("requirements.lock", None), ("requirements-test.lock", "test")]
)
def test_every_dependency_is_pinned_with_its_hashes(lock, extra):
    entries = pinned(lock)
    assert declared(extra) - set(entries) == set(), f"run `make lock`: {lock} is out of date"
    unhashed = [
        name
        for name, lines in entries.items()
        if not any("--hash=sha256:" in line for line in lines)
    ]
    assert unhashed == []
    # Nothing of this machine's own package mirrors in a file other machines install from.
    assert "--extra-index-url" not in (ROOT / lock).read_text()


def test_the_test_tools_pin_the_apps_dependencies_as_the_app_does():
    app, test = pinned("requirements.lock"), pinned("requirements-test.lock")
    differ = {name for name in app if app[name][0] != test.get(name, [""])[0]}
    assert differ == set()
