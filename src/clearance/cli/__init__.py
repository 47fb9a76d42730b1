"""The command line: each command parses its input, makes one engine call and formats the result.

Command groups live in sibling modules that define ``register(cli)``; they are found by walking
this package, so adding commands touches no other file. Library errors become exit codes here.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys

import click
from rich.text import Text

from clearance.cli.output import err_console
from clearance.errors import ClearanceError

_NOT_COMMANDS = {"output", "options"}


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(package_name="clearance")
def cli() -> None:
    """clearance: sanctions and export-control compliance engine."""


def _register_all() -> None:
    for module_info in pkgutil.iter_modules(__path__):
        if module_info.name in _NOT_COMMANDS or module_info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(cli)


_register_all()


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run a command, turning clearance errors into messages and exit codes."""
    try:
        # Without standalone mode, click returns (rather than raises) a command's Exit code.
        code = cli.main(args=argv, prog_name="clearance", standalone_mode=False)
    except click.exceptions.Abort:
        err_console().print("aborted")
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except ClearanceError as exc:
        # Text, not markup: messages name elements like "sanctionEntity[logicalId=13]"
        err_console().print(Text.assemble(("error: ", "bold red"), str(exc)), highlight=False)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
    sys.exit(code if isinstance(code, int) else 0)
