"""Safe XML reading for list files.

Official lists never need a DTD, so a document whose prolog holds a DOCTYPE (the only place
entities, external entities and external DTDs can be declared) is refused before parsing; this
stops entity-expansion bombs and external entities at the door. Behind it, lxml is configured to
resolve no entities, load no DTD and touch no network, and what the parser saw (``docinfo``) is
checked again at the first element, whatever the document's encoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias

from lxml import etree

from clearance.errors import ListFormatError, UnsafeXMLError

Element: TypeAlias = etree._Element  # what format modules annotate with, so none imports lxml

_PROLOG_BYTES = 1 << 20
# Byte patterns of "<" (or a BOM) that reveal a document's encoding family before any decoding:
# a UTF-16 or UTF-32 document hides "<!DOCTYPE" from a byte search, so the prolog is decoded first.
_ENCODINGS = (
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\xfe\xff", "utf-16-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\x00<", "utf-16-be"),
    (b"<\x00", "utf-16-le"),
    (b"\xef\xbb\xbf", "utf-8-sig"),
)
_NAME_START = re.compile(r"<[^\s!?/<>]")
_DECLARATION = re.compile(r"<!(DOCTYPE|ENTITY)\b", re.IGNORECASE)


def check_prolog(path: Path) -> None:
    """Refuse a document whose prolog holds a DOCTYPE: official lists never need one, and a DTD is
    what carries entity declarations (expansion bombs), external entities and external DTDs.

    Only the prolog (what comes before the root element) is looked at, decoded in the document's
    encoding family, so a UTF-16 document cannot hide its DTD from the check."""
    with path.open("rb") as fh:
        head = fh.read(_PROLOG_BYTES)
    encoding = next((enc for bom, enc in _ENCODINGS if head.startswith(bom)), "utf-8")
    text = head.decode(encoding, errors="replace")
    pos = 0
    while True:
        while pos < len(text) and text[pos] in " \t\r\n\ufeff":
            pos += 1
        if text.startswith("<?", pos):
            terminator = "?>"
        elif text.startswith("<!--", pos):
            terminator = "-->"
        elif _DECLARATION.match(text, pos):
            _refuse_doctype(path, text, pos)
        else:
            break
        end = text.find(terminator, pos)
        if end < 0:
            break
        pos = end + len(terminator)
    if _NAME_START.match(text, pos) is None and len(head) == _PROLOG_BYTES:
        raise UnsafeXMLError(path, "prolog", f"no root element in the first {_PROLOG_BYTES:,} bytes",
                             "an XML document that starts with its root element")


def _refuse_doctype(path: Path, text: str, pos: int) -> None:
    line = text.count("\n", 0, pos) + 1
    decl = text[pos:]
    subset = decl.find("[")
    close = decl.find(">")
    head = decl[: close + 1] if close >= 0 and (subset < 0 or close < subset) else decl[: max(subset, 0)]
    if "<!ENTITY" in decl.upper() or decl[2:8].upper() == "ENTITY":
        problem = "DOCTYPE declares entities (expansion bombs, external entities)"
    elif re.search(r"\b(SYSTEM|PUBLIC)\b", head):
        problem = "DOCTYPE references an external DTD"
    elif subset >= 0 and (close < 0 or subset < close):
        problem = "DOCTYPE has an internal subset"
    else:
        problem = "DOCTYPE present"
    raise UnsafeXMLError(path, f"line {line}", problem, "an XML document without a DTD")


def _check_docinfo(path: Path, tree: etree._ElementTree) -> None:
    """Second line of defence, independent of encodings: what the parser itself saw."""
    info = tree.docinfo
    if info.internalDTD is not None or info.externalDTD is not None or info.doctype:
        raise UnsafeXMLError(path, "prolog", "DOCTYPE present (refused after parsing started)",
                             "an XML document without a DTD")


def syntax_error(path: Path, exc: etree.XMLSyntaxError) -> ListFormatError:
    """lxml's complaint as a ListFormatError naming the line and column, and what was expected."""
    line, column = exc.position if exc.position else (exc.lineno, 0)
    problem = re.sub(r", line \d+, column \d+$", "", str(exc.msg or exc))
    where = f"line {line}, column {column}" if column else f"line {line}"
    if "encoding" in problem.lower() or "invalid char" in problem.lower():
        expected = "text in the encoding the XML declaration names (UTF-8 when it names none)"
    elif "end of data" in problem.lower() or "premature end" in problem.lower():
        expected = "the document to go on to the closing tag of its root element (is the file truncated?)"
    else:
        expected = "well-formed XML"
    return ListFormatError(path, where, f"XML is not well-formed: {problem}", expected)


def _parser_kwargs() -> dict[str, Any]:
    return {
        "resolve_entities": False,
        "no_network": True,
        "load_dtd": False,
        "dtd_validation": False,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def iterparse(path: Path, tags: tuple[str, ...] | str | None = None) -> Iterator[etree._Element]:
    """Yield completed elements (``end`` events) matching ``tags`` (Clark names or local names
    with ``{*}``), clearing each after the caller is done with it. Errors name the line."""
    check_prolog(path)
    kwargs = _parser_kwargs()
    kwargs.pop("dtd_validation")
    context = etree.iterparse(str(path), events=("end",), tag=tags, **kwargs)
    checked = False
    try:
        for _event, element in context:
            if not checked:
                _check_docinfo(path, element.getroottree())
                checked = True
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc) from exc


def root_start(path: Path) -> tuple[str, str | None, dict[str, str]]:
    """(local name, namespace, attributes by local name) of the root element, reading only as
    far as its start tag: formats check the root and take header attributes (a publication
    date) before streaming the entries."""
    check_prolog(path)
    kwargs = _parser_kwargs()
    kwargs.pop("dtd_validation")
    try:
        for _event, element in etree.iterparse(str(path), events=("start",), **kwargs):
            _check_docinfo(path, element.getroottree())
            # Not etree.QName: it refuses (ValueError) a namespace that libxml2 let through.
            namespace, _, name = str(element.tag).lstrip("{").rpartition("}")
            return name, namespace or None, {local(k): v for k, v in element.attrib.items()}
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc) from exc
    raise ListFormatError(path, None, "no root element", "an XML document")


def require_root(path: Path, name: str, namespace: str | None = None) -> dict[str, str]:
    """The root element's attributes, after checking that it is ``name`` in ``namespace``
    (None: no namespace); anything else is a ListFormatError saying what was found."""
    root, found_ns, attrs = root_start(path)
    if root != name or found_ns != namespace:
        found = f"{{{found_ns}}}{root}" if found_ns else root
        wanted = f"<{{{namespace}}}{name}>" if namespace else f"<{name}> without a namespace"
        raise ListFormatError(path, "root element", f"root element is <{found}>", wanted)
    return attrs


def has_root(path: Path, head: bytes, name: str) -> bool:
    """For sniffing: ``path`` is a file whose first bytes open the root element ``name``."""
    return path.is_file() and root_info(head)[0] == name


def element_record(element: etree._Element) -> dict[str, Any]:
    """An element's content as plain data, for ``Entity.record``: child elements by local name
    (a list when repeated), leaf text stripped, attributes as ``@name``, empty elements left
    out. No line numbers or positions, so an unchanged entry gives the same record in every
    version of its list."""
    out: dict[str, Any] = {f"@{local(k)}": v for k, v in element.attrib.items() if not _is_schema_attr(k)}
    text = text_of(element)
    if text is not None and (len(element) or out):
        out["#text"] = text
    for child in element:
        if not isinstance(child.tag, str):
            continue
        value: Any = element_record(child) if len(child) or _own_attrs(child) else text_of(child)
        if value is None or value == {}:
            continue
        key = local(child.tag)
        if key not in out:
            out[key] = value
        elif isinstance(out[key], list):
            out[key].append(value)
        else:
            out[key] = [out[key], value]
    return out


def _is_schema_attr(name: str | bytes) -> bool:
    return str(name).startswith("{http://www.w3.org/2001/XMLSchema-instance}")


def _own_attrs(element: etree._Element) -> bool:
    return any(not _is_schema_attr(k) for k in element.attrib)


def parse_root(path: Path) -> etree._Element:
    """Parse a whole (small) document and return its root element."""
    check_prolog(path)
    parser = etree.XMLParser(**_parser_kwargs())
    try:
        tree = etree.parse(str(path), parser)
    except etree.XMLSyntaxError as exc:
        raise syntax_error(path, exc) from exc
    _check_docinfo(path, tree)
    return tree.getroot()


def local(tag: object) -> str:
    """Local name of an element tag, without its namespace."""
    text = str(tag)
    return text.rsplit("}", 1)[-1]


def text_of(element: etree._Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    value = element.text.strip()
    return value or None


def root_info(head: bytes) -> tuple[str | None, str | None]:
    """(local name, namespace) of the root element found in ``head``, for sniffing."""
    m = re.search(rb"<([A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)([^>]*)>", _strip_prolog(head))
    if not m:
        return None, None
    name = m.group(2).decode("ascii", "replace")
    attrs = m.group(3)
    ns = re.search(rb'xmlns(?::\w+)?="([^"]+)"', attrs)
    return name, ns.group(1).decode("ascii", "replace") if ns else None


def _strip_prolog(head: bytes) -> bytes:
    out = re.sub(rb"<\?.*?\?>", b"", head, flags=re.DOTALL)
    out = re.sub(rb"<!--.*?-->", b"", out, flags=re.DOTALL)
    return re.sub(rb"<!DOCTYPE[^>]*>", b"", out, flags=re.DOTALL | re.IGNORECASE)
