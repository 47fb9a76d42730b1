"""The sources clearance knows: who publishes them and where to download them from.

Download addresses are the publishers' official ones; each can be overridden with the
``CLEARANCE_SOURCE_URLS`` setting (tests point them at a local HTTP server).
"""

from __future__ import annotations

from dataclasses import dataclass

from clearance.errors import NotFoundError


@dataclass(frozen=True)
class SourceInfo:
    id: str
    title: str
    publisher: str
    jurisdiction: str  # US, UN, GB, EU, or "user"
    urls: tuple[str, ...] = ()  # one file, or the files of a multi-file set
    format: str | None = None  # the format the download is in

    @property
    def downloadable(self) -> bool:
        return bool(self.urls)


_OFAC = "https://sanctionslistservice.ofac.treas.gov/api/PublicationPreview/exports"

SOURCES: dict[str, SourceInfo] = {
    s.id: s
    for s in (
        SourceInfo(
            "us-ofac-sdn", "OFAC Specially Designated Nationals and Blocked Persons List", "US Treasury OFAC", "US",
            (f"{_OFAC}/SDN.CSV", f"{_OFAC}/ADD.CSV", f"{_OFAC}/ALT.CSV", f"{_OFAC}/SDN_COMMENTS.CSV"), "ofac-csv",
        ),
        SourceInfo(
            "us-ofac-cons", "OFAC Consolidated (non-SDN) Sanctions List", "US Treasury OFAC", "US",
            (f"{_OFAC}/CONS_PRIM.CSV", f"{_OFAC}/CONS_ADD.CSV", f"{_OFAC}/CONS_ALT.CSV",
             f"{_OFAC}/CONS_COMMENTS.CSV"), "ofac-csv",
        ),
        SourceInfo("us-ofac-enhanced", "OFAC list in the Enhanced XML format", "US Treasury OFAC", "US",
                   (f"{_OFAC}/SDN_ENHANCED.XML",), "ofac-enhanced-xml"),
        SourceInfo("un-sc", "UN Security Council Consolidated List", "United Nations Security Council", "UN",
                   ("https://scsanctions.un.org/resources/xml/en/consolidated.xml",), "un-xml"),
        # OFSI retired its Consolidated List on 28 January 2026: the FCDO's UK Sanctions List
        # (gb-fcdo) is the single official UK list since. Files already held still ingest; the old
        # address (.../publishlive/2022format/ConList.csv) can be set in CLEARANCE_SOURCE_URLS.
        SourceInfo("gb-ofsi", "UK OFSI Consolidated List of Financial Sanctions Targets (retired 2026-01-28)",
                   "HM Treasury OFSI", "GB", (), "ofsi-csv"),
        SourceInfo("gb-fcdo", "UK Sanctions List", "UK Foreign, Commonwealth & Development Office", "GB",
                   ("https://sanctionslist.fcdo.gov.uk/docs/UK-Sanctions-List.xml",), "fcdo-xml"),
        SourceInfo("eu-fsf", "EU Financial Sanctions Files (consolidated list)", "European Commission", "EU",
                   ("https://webgate.ec.europa.eu/fsd/fsf/public/files/xmlFullSanctionsList_1_1/content"
                    "?token=dG9rZW4tMjAxNw",), "eu-fsf-xml"),
        SourceInfo("us-bis-dpl", "BIS Denied Persons List", "US Commerce BIS", "US",
                   ("https://www.bis.doc.gov/dpl/dpl.txt",), "bis-dpl"),
        SourceInfo("us-trade-csl", "Consolidated Screening List (13 US export and sanctions lists)",
                   "US Commerce ITA (trade.gov)", "US",
                   ("https://data.trade.gov/downloadable_consolidated_screening_list/v1/consolidated.csv",),
                   "csl-csv"),
        SourceInfo("ftm", "FollowTheMoney entities (JSON lines)", "user supplied", "user"),
    )
}


def source_info(source: str) -> SourceInfo:
    """The catalogue entry of ``source``; ``custom:NAME`` sources are the user's own lists."""
    if source.startswith("custom:"):
        return SourceInfo(source, f"Custom list {source.split(':', 1)[1]}", "user", "user", (), "custom-csv")
    try:
        return SOURCES[source]
    except KeyError:
        raise NotFoundError(f"unknown source {source!r}; known: {', '.join(SOURCES)}, custom:NAME") from None
