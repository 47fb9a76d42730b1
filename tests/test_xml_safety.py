"""XML list files cannot read local files, make network requests or expand entity bombs.

Each attack is built from a real sample of every XML list format (a DOCTYPE before its root
element, entity references in its text) and fed to that format's parser through the engine and
through ``clearance ingest``. A local HTTP server records every request (there must be none); a
named pipe stands in for the local file, so merely opening it is noticed.
"""

from __future__ import annotations

import errno
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from clearance.cli import main
from clearance.engine import Engine
from clearance.errors import ListFormatError, UnsafeXMLError
from clearance.sources import xml as safe_xml
from databases import is_url, raw_connection
from format_samples import xml_samples
from local_http import LocalServer, Route, local_server
from store_state import store_snapshot

SECRET = "TOP-SECRET-4f1c"
# XML formats known to exist; every other XML format is covered as soon as it has a fixture
# (test_bad_input.py requires one for every format).
EXPECTED_XML_FORMATS = {"un-xml", "ofac-xml", "ofac-advanced-xml", "ofac-enhanced-xml", "eu-fsf-xml", "fcdo-xml"}


def with_doctype(sample: bytes, subset: str, reference: str | None, external: str | None = None) -> str:
    """The sample with ``<!DOCTYPE root [subset]>`` before its root element and ``reference``
    appended to the text of its first 50 leaf elements."""
    text = sample.decode("utf-8-sig")
    match = re.search(r"<([A-Za-z_][\w.:-]*)[\s>/]", re.sub(r"<\?.*?\?>|<!--.*?-->", lambda m: " " * len(m[0]),
                                                           text, flags=re.S))
    assert match is not None, "sample has no root element"
    root = match.group(1)
    ext = f' SYSTEM "{external}"' if external else ""
    body = f" [{subset}]" if subset else ""
    text = text[: match.start()] + f"<!DOCTYPE {root}{ext}{body}>\n" + text[match.start():]
    if reference:
        text = re.sub(r">([^<>\s][^<>]*)</", lambda m: f">{m[1]}{reference}</", text, count=50)
    return text


LOL = "".join(
    [f'<!ENTITY lol0 "{"lol" * 10}">']
    + [f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)]
)


def attacks(secret_path: Path, server: LocalServer) -> dict[str, Callable[[bytes], bytes]]:
    http = server.url("/xxe")
    return {
        "xxe-local-file": lambda s: with_doctype(s, f'<!ENTITY xxe SYSTEM "file://{secret_path}">', "&xxe;").encode(),
        "xxe-http": lambda s: with_doctype(s, f'<!ENTITY xxe SYSTEM "{http}">', "&xxe;").encode(),
        "external-dtd-http": lambda s: with_doctype(s, "", None, external=server.url("/evil.dtd")).encode(),
        "parameter-entity-http": lambda s: with_doctype(
            s, f'<!ENTITY % remote SYSTEM "{server.url("/p.dtd")}"> %remote;', "&xxe;").encode(),
        "billion-laughs": lambda s: with_doctype(s, LOL, "&lol9;").encode(),
        "xxe-http-utf16": lambda s: _utf16(with_doctype(s, f'<!ENTITY xxe SYSTEM "{http}">', "&xxe;")),
    }


def _utf16(text: str) -> bytes:
    text = re.sub(r'encoding="[^"]+"', 'encoding="UTF-16"', text, count=1)
    if not text.startswith("<?xml"):
        text = '<?xml version="1.0" encoding="UTF-16"?>\n' + text
    return text.encode("utf-16")


ATTACKS = ["xxe-local-file", "xxe-http", "external-dtd-http", "parameter-entity-http", "billion-laughs",
           "xxe-http-utf16"]


class WatchedSecret:
    """A named pipe holding the secret: a writer thread notices if anything opens it for reading."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "secret.txt"
        os.mkfifo(self.path)
        self.opened = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.is_set():
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader has it open, as it should be
                    raise
                time.sleep(0.002)
                continue
            self.opened = True
            with os.fdopen(fd, "w") as out:
                out.write(SECRET)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


@pytest.fixture
def server() -> Iterator[LocalServer]:
    with local_server() as srv:
        for path in ("/xxe", "/evil.dtd", "/p.dtd"):
            srv.add(path, Route(f'<!ENTITY xxe "{SECRET}">'.encode(), content_type="application/xml-dtd"))
        yield srv


@pytest.fixture
def secret(tmp_path: Path) -> Iterator[WatchedSecret]:
    watched = WatchedSecret(tmp_path)
    yield watched
    watched.stop()


def _seeded(db_path: str, fixtures: Path) -> dict[str, object]:
    with Engine(db_path) as engine:
        engine.ingest([fixtures / "custom_list.csv"], source="custom:seed")
    return store_snapshot(db_path)


def _assert_nothing_leaked(db_path: str, server: LocalServer, secret: WatchedSecret) -> None:
    assert server.hits == [], f"the parser made HTTP requests: {server.hits}"
    assert not secret.opened, "the parser opened the local file named by an external entity"
    if is_url(db_path):  # a server: search the stored text itself
        with raw_connection(db_path) as raw:
            for table, column in (("entity_records", "data"), ("list_versions", "meta"), ("audit_events", "payload")):
                found = raw.execute(f"SELECT count(*) FROM {table} WHERE {column} LIKE ?", (f"%{SECRET}%",))
                assert found.fetchone()[0] == 0, f"the secret was stored in {table}"
        return
    for file in Path(db_path).parent.glob(Path(db_path).name + "*"):
        assert SECRET.encode() not in file.read_bytes()


def test_every_xml_format_has_a_sample() -> None:
    assert set(xml_samples()) >= EXPECTED_XML_FORMATS, f"XML formats without a sample: {xml_samples()}"


def _cases() -> list[tuple[str, str]]:
    return [(fmt, attack) for fmt in sorted(xml_samples()) for attack in ATTACKS]


@pytest.mark.parametrize(("fmt", "attack"), _cases())
def test_unsafe_xml_is_refused_before_parsing(
    fmt: str, attack: str, tmp_path: Path, db_path: str, fixtures: Path, server: LocalServer, secret: WatchedSecret
) -> None:
    before = _seeded(db_path, fixtures)
    payload = tmp_path / f"{attack}.xml"
    payload.write_bytes(attacks(secret.path, server)[attack](xml_samples()[fmt].read_bytes()))
    started = time.monotonic()
    with Engine(db_path) as engine, pytest.raises(UnsafeXMLError) as refused:
        engine.ingest([payload], fmt=fmt)
    assert time.monotonic() - started < 2.0
    message = str(refused.value)
    assert str(payload) in message and "DOCTYPE" in message and "expected an XML document without a DTD" in message
    _assert_nothing_leaked(db_path, server, secret)
    assert store_snapshot(db_path) == before


@pytest.mark.parametrize(("fmt", "attack"), _cases())
def test_parser_is_safe_even_without_the_prolog_check(
    fmt: str, attack: str, tmp_path: Path, db_path: str, fixtures: Path, server: LocalServer,
    secret: WatchedSecret, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Defence in depth: with the first check switched off, lxml's own configuration still
    resolves nothing, fetches nothing, and the document is refused."""
    monkeypatch.setattr(safe_xml, "check_prolog", lambda path: None)
    before = _seeded(db_path, fixtures)
    payload = tmp_path / f"{attack}.xml"
    payload.write_bytes(attacks(secret.path, server)[attack](xml_samples()[fmt].read_bytes()))
    started = time.monotonic()
    with Engine(db_path) as engine, pytest.raises(ListFormatError) as refused:
        engine.ingest([payload], fmt=fmt)
    assert time.monotonic() - started < 5.0
    assert str(payload) in str(refused.value)
    _assert_nothing_leaked(db_path, server, secret)
    assert store_snapshot(db_path) == before


@pytest.mark.parametrize("attack", ["xxe-http", "billion-laughs", "external-dtd-http"])
def test_cli_ingest_refuses_unsafe_xml(
    attack: str, tmp_path: Path, db_path: str, fixtures: Path, server: LocalServer, secret: WatchedSecret,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``clearance ingest`` with auto-detection, through the CLI entry point (in this process)."""
    monkeypatch.setenv("COLUMNS", "500")
    before = _seeded(db_path, fixtures)
    for fmt, sample in sorted(xml_samples().items()):
        payload = tmp_path / f"{fmt}-{attack}.xml"
        payload.write_bytes(attacks(secret.path, server)[attack](sample.read_bytes()))
        capsys.readouterr()
        with pytest.raises(SystemExit) as exited:
            main(["ingest", str(payload), "--db", db_path])
        out, err = capsys.readouterr()
        assert exited.value.code == 2, (fmt, out, err)
        assert str(payload) in err and "DOCTYPE" in err, err
        assert out == ""
    _assert_nothing_leaked(db_path, server, secret)
    assert store_snapshot(db_path) == before


def test_cli_process_exits_2_on_unsafe_xml(tmp_path: Path, db_path: str, server: LocalServer,
                                           secret: WatchedSecret) -> None:
    """The same in a real process: the exit code a shell sees."""
    payload = tmp_path / "xxe.xml"
    payload.write_bytes(attacks(secret.path, server)["xxe-http"](xml_samples()["un-xml"].read_bytes()))
    done = subprocess.run([sys.executable, "-m", "clearance", "ingest", str(payload), "--db", db_path],
                          capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "500"})
    assert done.returncode == 2 and done.stdout == ""
    assert str(payload) in done.stderr and "DOCTYPE declares entities" in done.stderr
    _assert_nothing_leaked(db_path, server, secret)


@pytest.mark.parametrize(
    ("prolog", "refused"),
    [
        ('<?xml version="1.0"?>\n<!-- <!DOCTYPE in a comment is harmless> -->\n<r/>', None),
        ('<?xml version="1.0"?>\n<r><![CDATA[<!DOCTYPE x [<!ENTITY y "z">]>]]></r>', None),
        ('<?xml version="1.0"?>\n<!-- note -->\n<!DOCTYPE r>\n<r/>', "line 3: DOCTYPE present"),
        ('<?xml version="1.0"?><!DOCTYPE r [<!ELEMENT r ANY>]><r/>', "internal subset"),
        ('<!DOCTYPE r PUBLIC "-//X//DTD X//EN" "http://127.0.0.1:9/x.dtd"><r/>', "external DTD"),
        ('<!ENTITY x "y"><r/>', "declares entities"),
    ],
)
def test_prolog_check(prolog: str, refused: str | None, tmp_path: Path) -> None:
    for encoding in ("utf-8", "utf-16-le", "utf-16", "utf-32"):
        path = tmp_path / f"doc-{encoding}.xml"
        text = prolog.replace('version="1.0"?>', f'version="1.0" encoding="{encoding.upper()}"?>')
        path.write_bytes(text.encode(encoding))
        if refused is None:
            safe_xml.check_prolog(path)
        else:
            with pytest.raises(UnsafeXMLError, match=re.escape(refused)):
                safe_xml.check_prolog(path)
