"""The one exception tree of clearance.

Every error a user can cause or meet is one of these. Each class carries the exit code the
CLI returns and the HTTP status the server answers with, so the adapters translate errors at
the edge without knowing the details::

    ClearanceError                    exit 1  HTTP 500  something clearance itself could not do
    ├── UserInputError                exit 2  HTTP 400  the input is wrong; nothing was changed
    │   ├── ListFormatError           exit 2  HTTP 422  a list file is malformed or mis-shaped
    │   │   └── UnsafeXMLError        exit 2  HTTP 422  XML with DTD entities, external refs, bombs
    │   ├── UnknownFormatError        exit 2  HTTP 422  no list format recognises the file
    │   ├── QueryError                exit 2  HTTP 422  a screening query is invalid
    │   ├── TransactionError          exit 2  HTTP 422  a transaction to check is invalid
    │   ├── PackError                 exit 2  HTTP 422  a policy pack is invalid (all errors listed)
    │   └── ConfigurationError        exit 2  HTTP 400  a setting or option is invalid
    ├── NotFoundError                 exit 3  HTTP 404  an entity, source or version does not exist
    ├── ConflictError                 exit 7  HTTP 409  the record changed meanwhile (alert already decided)
    ├── DownloadError                 exit 4  HTTP 502  a publisher's file could not be fetched
    ├── StoreError                    exit 5  HTTP 503  the database is unreachable or inconsistent
    └── MissingExtraError             exit 6  HTTP 501  an optional feature's extra is not installed

Messages name the file, line, element or field at fault and say what was expected.
"""

from __future__ import annotations

from pathlib import Path


class ClearanceError(Exception):
    """Base of every error clearance raises on purpose."""

    exit_code = 1
    http_status = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserInputError(ClearanceError):
    """The caller's input is wrong; nothing stored was changed."""

    exit_code = 2
    http_status = 400


class ListFormatError(UserInputError):
    """A list file is malformed, truncated, wrongly encoded or wrongly shaped.

    ``location`` is a line number ("line 12"), an element path ("sdnEntry[41]/uid") or a sheet
    cell; ``expected`` says what should have been there.
    """

    http_status = 422

    def __init__(self, file: str | Path, location: str | None, problem: str, expected: str | None = None):
        self.file = str(file)
        self.location = location
        self.problem = problem
        self.expected = expected
        where = f"{self.file}, {location}" if location else self.file
        message = f"{where}: {problem}"
        if expected:
            message += f" (expected {expected})"
        super().__init__(message)


class UnsafeXMLError(ListFormatError):
    """XML that declares entities, references external resources or tries to expand a bomb."""


class UnknownFormatError(UserInputError):
    """No known list format recognises the file (or ``--format`` names an unknown one)."""

    http_status = 422


class QueryError(UserInputError):
    """A screening query is invalid: a field is missing, mistyped or out of range."""

    http_status = 422


class TransactionError(UserInputError):
    """A transaction to check is invalid: unknown kind or field, bad date, unknown airport."""

    http_status = 422


class PackError(UserInputError):
    """A policy pack is invalid. ``errors`` holds every problem, each with file and line."""

    http_status = 422

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        lines = "\n".join(f"  - {e}" for e in self.errors)
        super().__init__(f"policy pack refused, {len(self.errors)} error(s):\n{lines}")


class ConfigurationError(UserInputError):
    """A setting, environment variable or command option has an invalid value."""


class NotFoundError(ClearanceError):
    """An entity, source, list version or record does not exist."""

    exit_code = 3
    http_status = 404


class ConflictError(ClearanceError):
    """The write lost a race or contradicts the record's state: an alert already decided by
    someone else, a key already revoked. Nothing was changed; re-read and decide again."""

    exit_code = 7
    http_status = 409


class DownloadError(ClearanceError):
    """A publisher's file could not be fetched or failed its content checks."""

    exit_code = 4
    http_status = 502

    def __init__(self, source: str, url: str, problem: str) -> None:
        self.source = source
        self.url = url
        self.problem = problem
        super().__init__(f"{source}: download from {url} failed: {problem}")


class StoreError(ClearanceError):
    """The database is unreachable, locked beyond the timeout, or inconsistent."""

    exit_code = 5
    http_status = 503


class MissingExtraError(ClearanceError):
    """An optional feature is used without its extra installed; the message says what to install."""

    exit_code = 6
    http_status = 501

    def __init__(self, feature: str, extra: str, module: str) -> None:
        super().__init__(
            f"{feature} needs the optional module {module!r}: install it with pip install 'clearance[{extra}]'"
        )
