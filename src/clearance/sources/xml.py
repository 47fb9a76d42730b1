"""Safe XML reading for list files.

Official lists never need a DTD, so any document that declares entities or a DOCTYPE with an
internal subset is refused before parsing (this stops entity-expansion bombs and external
entities at the door). The lxml parser itself is configured to resolve no entities, load no
DTD and touch no network, as a second line of defence.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TypeAlias

from lxml import etree

from clearance.errors import ListFormatError, UnsafeXMLError

Element: TypeAlias = etree._Element  # what format modules annotate with, so none imports lxml

_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_ENTITY = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SYSTEM = re.compile(rb"\b(SYSTEM|PUBLIC)\b")
_PROLOG_BYTES = 1 << 20


def check_prolog(path: Path) -> None:
    """Refuse a document whose prolog declares entities, an internal DTD subset or an external
    DTD. Only the part before the root element is read."""
    with path.open("rb") as fh:
        head = fh.read(_PROLOG_BYTES)
    doctype = _DOCTYPE.search(head)
    if doctype is None:
        if _ENTITY.search(head):
            raise UnsafeXMLError(path, "prolog", "entity declaration outside a DOCTYPE", "no DTD")
        return
    line = head[: doctype.start()].count(b"\n") + 1
    decl = head[doctype.start() :]
    if _ENTITY.search(decl[:_PROLOG_BYTES]):
        raise UnsafeXMLError(
            path, f"line {line}", "DOCTYPE declares entities (refused: expansion bombs, external entities)",
            "an XML document without a DTD",
        )
    if _SYSTEM.search(decl[: decl.find(b">") + 1] if b">" in decl else decl):
        raise UnsafeXMLError(path, f"line {line}", "DOCTYPE references an external DTD", "no DTD")
    raise UnsafeXMLError(path, f"line {line}", "DOCTYPE present", "an XML document without a DTD")


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
    try:
        for _event, element in context:
            yield element
            element.clear(keep_tail=False)
            parent = element.getparent()
            if parent is not None:
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise ListFormatError(path, f"line {exc.lineno}", f"XML is not well-formed: {exc.msg}") from exc


def root_start(path: Path) -> tuple[str, str | None, dict[str, str]]:
    """(local name, namespace, attributes by local name) of the root element, reading only as
    far as its start tag: formats check the root and take header attributes (a publication
    date) before streaming the entries."""
    check_prolog(path)
    kwargs = _parser_kwargs()
    kwargs.pop("dtd_validation")
    try:
        for _event, element in etree.iterparse(str(path), events=("start",), **kwargs):
            qname = etree.QName(element)
            return qname.localname, qname.namespace, {local(k): v for k, v in element.attrib.items()}
    except etree.XMLSyntaxError as exc:
        raise ListFormatError(path, f"line {exc.lineno}", f"XML is not well-formed: {exc.msg}") from exc
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
        raise ListFormatError(path, f"line {exc.lineno}", f"XML is not well-formed: {exc.msg}") from exc
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
