"""Fetching list files from their publishers, with timeouts, retries, a size cap and content checks.

Files go into a folder the caller owns (a temporary one during ``clearance update``); nothing is
stored and nothing is printed here. A download that fails, or whose content is not the list it
should be (an HTML error page, a file of another format, a truncated XML document), raises
:class:`clearance.errors.DownloadError` naming the source, the address and the reason, before
anything is ingested.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import Message
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

from clearance.errors import ConfigurationError, DownloadError, ListFormatError, UnknownFormatError
from clearance.settings import Settings
from clearance.sources import ListFormat, detect, source_info
from clearance.sources.base import read_head
from clearance.sources.catalog import SOURCES
from clearance.sources.xml import root_info

# progress(task, done, total): bytes received so far and the announced size (None when unknown).
ByteProgress = Callable[[str, int, int | None], None]

CHUNK = 1 << 16
# Statuses worth another try: the publisher is busy or briefly broken. Other 4xx answers are final.
_RETRY_STATUSES = frozenset({408, 425, 429, 500, 502, 503, 504})
_SAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
_TAIL_BYTES = 4096


@dataclass(frozen=True)
class DownloadPolicy:
    """How patient and how trusting a download is (from the ``CLEARANCE_DOWNLOAD_*`` settings)."""

    timeout: float = 120.0  # seconds to connect, or to wait between two pieces of data
    retries: int = 3  # further attempts after a failed one
    max_bytes: int = 512 * 1024 * 1024
    backoff: float = 1.0  # seconds before the first retry; doubled for each further one

    @classmethod
    def from_settings(cls, settings: Settings) -> DownloadPolicy:
        if settings.download_timeout <= 0 or settings.download_retries < 0 or settings.download_max_bytes <= 0:
            raise ConfigurationError(
                "CLEARANCE_DOWNLOAD_TIMEOUT and CLEARANCE_DOWNLOAD_MAX_BYTES must be positive and "
                "CLEARANCE_DOWNLOAD_RETRIES must be zero or more"
            )
        return cls(settings.download_timeout, settings.download_retries, settings.download_max_bytes)


def source_urls(settings: Settings) -> dict[str, tuple[str, ...]]:
    """Download addresses by source id: the catalogue's, overridden by ``CLEARANCE_SOURCE_URLS``.

    The setting is a JSON object (or the path of a file holding one) mapping a source id to one
    address, or to a list of addresses for a multi-file set such as OFAC's CSV files. A source
    given an empty list is not downloaded.
    """
    urls = {sid: info.urls for sid, info in SOURCES.items() if info.urls}
    for source, value in _read_overrides(settings.source_urls).items():
        source_info(source)  # an unknown source id is a typo worth reporting, not ignoring
        addresses = (value,) if isinstance(value, str) else tuple(value)
        if addresses:
            urls[source] = addresses
        else:
            urls.pop(source, None)
    return urls


def _read_overrides(raw: str | None) -> dict[str, str | list[str]]:
    if not raw:
        return {}
    text = raw
    where = "CLEARANCE_SOURCE_URLS"
    if not raw.lstrip().startswith("{"):
        path = Path(raw).expanduser()
        where = f"CLEARANCE_SOURCE_URLS file {path}"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"{where}: cannot read it ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigurationError(f"{where}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{where}: expected a JSON object {{source id: url or [urls]}}")
    for source, value in data.items():
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if not ok:
            raise ConfigurationError(f"{where}: value for {source!r} must be a URL or a list of URLs")
        for url in [value] if isinstance(value, str) else value:
            if urlsplit(url).scheme not in ("http", "https"):
                raise ConfigurationError(f"{where}: {source!r}: {url!r} is not an http(s) URL")
    return data


def user_agent() -> str:
    try:
        release = version("clearance")
    except PackageNotFoundError:  # running from a source tree that was never installed
        release = "dev"
    return f"clearance/{release} (sanctions list updater; python-httpx)"


def make_client(policy: DownloadPolicy) -> httpx.Client:
    """An HTTP client for publishers: redirects followed, every wait bounded by the timeout."""
    return httpx.Client(
        follow_redirects=True,
        timeout=httpx.Timeout(policy.timeout),
        headers={"User-Agent": user_agent()},
    )


def fetch_source(
    source: str,
    urls: Sequence[str],
    folder: Path,
    policy: DownloadPolicy,
    *,
    client: httpx.Client | None = None,
    progress: ByteProgress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """Download the file(s) of ``source`` into ``folder`` and check them; return what to ingest:
    the file, or ``folder`` itself for a multi-file set."""
    if not urls:
        raise DownloadError(source, "(none)", "no download address; set one in CLEARANCE_SOURCE_URLS")
    folder.mkdir(parents=True, exist_ok=True)
    own_client = client is None
    http = make_client(policy) if client is None else client
    try:
        files = []
        for url in urls:
            files.append(fetch_file(http, source, url, folder, policy, progress=progress, sleep=sleep))
    finally:
        if own_client:
            http.close()
    target = files[0] if len(files) == 1 else folder
    check_content(source, target, files, urls)
    return target


def fetch_file(
    client: httpx.Client,
    source: str,
    url: str,
    folder: Path,
    policy: DownloadPolicy,
    *,
    progress: ByteProgress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Path:
    """One file, retried with exponential backoff on network errors and busy answers."""
    attempts = policy.retries + 1
    problem = ""
    for attempt in range(attempts):
        if attempt:
            sleep(policy.backoff * 2 ** (attempt - 1))
        try:
            return _get(client, source, url, folder, policy, progress)
        except _Retryable as exc:
            problem = str(exc)
    tries = f" (tried {attempts} times)" if attempts > 1 else ""
    raise DownloadError(source, url, problem + tries)


class _Retryable(Exception):
    """A failure another attempt may not meet: a timeout, a dropped connection, a 5xx answer."""


def _get(
    client: httpx.Client, source: str, url: str, folder: Path, policy: DownloadPolicy, progress: ByteProgress | None
) -> Path:
    try:
        with client.stream("GET", url) as response:
            if response.status_code in _RETRY_STATUSES:
                raise _Retryable(f"HTTP {response.status_code} {response.reason_phrase}")
            if response.status_code != 200:
                raise DownloadError(source, url, f"HTTP {response.status_code} {response.reason_phrase}")
            announced = _content_length(response)
            if announced is not None and announced > policy.max_bytes:
                raise DownloadError(
                    source, url, f"file is {announced:,} bytes, over the limit of {policy.max_bytes:,} "
                    "(CLEARANCE_DOWNLOAD_MAX_BYTES)"
                )
            dest = _unique(folder / _file_name(response, url, source))
            received = 0
            try:
                with dest.open("wb") as out:
                    for chunk in response.iter_bytes(CHUNK):
                        received += len(chunk)
                        if received > policy.max_bytes:
                            raise DownloadError(
                                source, url, f"file exceeds the limit of {policy.max_bytes:,} bytes "
                                "(CLEARANCE_DOWNLOAD_MAX_BYTES)"
                            )
                        out.write(chunk)
                        if progress is not None:
                            progress(f"{source} {dest.name}", received, announced)
                if announced is not None and response.num_bytes_downloaded < announced:
                    raise _Retryable(
                        f"connection closed after {response.num_bytes_downloaded:,} of {announced:,} bytes"
                    )
            except BaseException:
                dest.unlink(missing_ok=True)
                raise
            return dest
    except httpx.TimeoutException as exc:
        raise _Retryable(f"no answer within {policy.timeout:g} s ({type(exc).__name__})") from exc
    except httpx.TransportError as exc:
        raise _Retryable(f"{type(exc).__name__}: {exc}") from exc
    except httpx.InvalidURL as exc:
        raise DownloadError(source, url, f"invalid URL: {exc}") from exc


def _content_length(response: httpx.Response) -> int | None:
    raw = response.headers.get("Content-Length")
    if raw is None or response.headers.get("Content-Encoding", "identity") != "identity":
        return None  # a compressed body's length says nothing about the file's size
    try:
        return int(raw)
    except ValueError:
        return None


def _file_name(response: httpx.Response, url: str, source: str) -> str:
    """The publisher's file name (Content-Disposition, else the URL's last segment), made safe.

    Names are lower-cased: OFAC serves ``SDN.CSV`` from the Sanctions List Service and
    ``sdn.csv`` from its legacy address, and a multi-file set should look the same either way."""
    name = ""
    disposition = response.headers.get("Content-Disposition")
    if disposition:
        message = Message()
        message["Content-Disposition"] = disposition
        name = message.get_filename() or ""
    if not name:
        name = unquote(urlsplit(str(response.url)).path.rsplit("/", 1)[-1])
    name = _SAFE_NAME.sub("-", Path(name).name).strip(".-").lower()
    if not name or "." not in name:
        name = f"{_SAFE_NAME.sub('-', source)}.download"
    return name


def _unique(path: Path) -> Path:
    candidate, n = path, 1
    while candidate.exists():
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
        n += 1
    return candidate


def check_content(source: str, target: Path, files: Sequence[Path], urls: Sequence[str]) -> ListFormat:
    """Refuse what is not the expected list: HTML pages, another source's format, cut-off XML."""
    for file, url in zip(files, urls, strict=True):
        head = read_head(file, 2048)
        if not head.strip():
            raise DownloadError(source, url, "the server sent an empty file")
        if looks_like_html(head):
            raise DownloadError(source, url, "the server sent an HTML page, not a list file")
    where = ", ".join(urls)
    try:
        fmt = detect(target)
    except (UnknownFormatError, ListFormatError) as exc:
        raise DownloadError(source, where, f"content is not a list format clearance recognises ({exc})") from exc
    if not carries(fmt, source):
        raise DownloadError(
            source, where, f"content is in format {fmt.name}, which carries {', '.join(fmt.sources)}, not {source}"
        )
    for file, url in zip(files, urls, strict=True):
        problem = xml_truncation(file)
        if problem:
            raise DownloadError(source, url, problem)
    return fmt


def carries(fmt: ListFormat, source: str) -> bool:
    return source in fmt.sources or (source.startswith("custom:") and "custom:NAME" in fmt.sources)


def looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return start.startswith((b"<!doctype html", b"<html")) or b"<html" in start[:1024] or b"<body" in start[:1024]


def xml_truncation(file: Path) -> str | None:
    """For an XML file: a reason if the document stops before its root element's closing tag."""
    head = read_head(file, 4096)
    if not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<"):
        return None
    name, _ns = root_info(head)
    if name is None:
        return None
    size = file.stat().st_size
    with file.open("rb") as fh:
        fh.seek(max(0, size - _TAIL_BYTES))
        tail = fh.read().rstrip()
    if tail.endswith(b"/>") and size <= len(head):
        return None  # an empty self-closed root
    closing = re.search(rb"</(?:[A-Za-z_][\w.\-]*:)?" + re.escape(name.encode()) + rb"\s*>$", tail)
    if closing is None:
        return f"the XML document is truncated: it ends before the closing </{name}> tag"
    return None


def file_urls(urls: Mapping[str, Sequence[str]], source: str) -> tuple[str, ...]:
    """The addresses of ``source``, or a DownloadError saying how to give one."""
    found = urls.get(source)
    if not found:
        raise DownloadError(source, "(none)", "the publisher has no download address in the catalogue; "
                            "set one in CLEARANCE_SOURCE_URLS")
    return tuple(found)
