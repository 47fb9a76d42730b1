"""The documentation matches the code: settings, the two commands, the lists, the CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clearance.cli import cli
from clearance.settings import SETTINGS, Setting
from clearance.sources.catalog import SOURCES

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _squash(text: str) -> str:
    return " ".join(text.split())


def _readme_setting_rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in README.splitlines():
        match = re.match(r"\|\s*`(CLEARANCE_[A-Z_]+)`\s*\|(.*)\|\s*$", line)
        if match:
            rows[match.group(1)] = _squash(match.group(2))
    return rows


@pytest.mark.parametrize("setting", SETTINGS, ids=[s.env for s in SETTINGS])
def test_every_setting_is_documented_in_the_readme(setting: Setting) -> None:
    env, help_text = setting.env, setting.help
    rows = _readme_setting_rows()
    assert env in rows, f"README.md has no row for {env} in its settings table"
    assert _squash(help_text) in rows[env], f"README.md's row for {env} does not carry its help: {help_text!r}"


def test_readme_documents_no_setting_that_does_not_exist() -> None:
    assert set(_readme_setting_rows()) <= {s.env for s in SETTINGS}


def _readme_commands() -> list[str]:
    section = README.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^make ([\w-]+)", section, flags=re.M)


def test_the_two_readme_commands_are_make_targets() -> None:
    commands = _readme_commands()
    assert commands == ["run", "test"], commands
    phony = re.search(r"^\.PHONY:(.*)$", MAKEFILE, flags=re.M)
    assert phony is not None
    for target in commands:
        assert re.search(rf"^{target}:", MAKEFILE, flags=re.M), f"the Makefile has no {target!r} target"
        assert target in phony.group(1).split()


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^make test\b", ci, flags=re.M)


def test_make_run_loads_lists_and_shows_them() -> None:
    run = MAKEFILE.split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "clearance update" in run and "clearance lists" in run


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_every_source_and_its_address_is_in_the_readme(source: str) -> None:
    row = next((line for line in README.splitlines() if line.startswith(f"| `{source}` |")), None)
    assert row is not None, f"README.md's list table has no row for {source}"
    for url in SOURCES[source].urls[:1]:  # a multi-file set names its first file, then the others by name
        assert url in row, f"README.md's row for {source} does not give its address {url}"
    for url in SOURCES[source].urls[1:]:
        assert url.rsplit("/", 1)[1] in row


def test_every_cli_command_is_documented() -> None:
    for name in cli.commands:
        assert f"clearance {name}" in README + CLI_DOC, f"neither README.md nor docs/cli.md shows `clearance {name}`"
