# ruff: noqa: E501 - each string is one record as OFAC writes it, on one line
"""A small OFAC legacy CSV set (sdn.csv, add.csv, alt.csv, sdn_comments.csv) written for the
tests: fictional parties (NORTHWIND AVIATION and others, ids 90001-90007, .example addresses) in
OFAC's exact layout: quoted fields, ``-0-`` for empty ones, CRLF line ends and a closing Ctrl-Z.

It is kept here as text and written into a temporary folder at test time (``write_ofac_csv_set``,
or the ``ofac_csv_set`` fixture), so that no file of the repository looks like an official list
file; the real files are read by path from ``CLEARANCE_TEST_DATA`` in the tests marked
``realdata``.
"""

from __future__ import annotations

from pathlib import Path

ROWS: dict[str, tuple[str, ...]] = {
    "sdn.csv": (
        '90001,"KOVALENKO, Ivan Petrovich","individual","BELARUS-EO14038","Director General; Board Member",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 12 Mar 1961; alt. DOB 1962; POB Gomel, Belarus; nationality Belarus; citizen Russia; Gender Male; Passport MP1234567 (Belarus) issued 01 Feb 2015 expires 01 Feb 2025; National ID No. 3120361A001PB1 (Belarus); a.k.a. \'VANYA\'; Linked To: NORTHWIND AVIATION OPEN JOINT STOCK COMPANY."',
        '90002,"NORTHWIND AVIATION OPEN JOINT STOCK COMPANY",-0- ,"BELARUS-EO14038] [RUSSIA-EO14024",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Organization Established Date 14 Jun 1996; Tax ID No. 100123456 (Belarus); Registration Number 1027700000001 (Russia); SWIFT/BIC NWAVBY2X; Website www.northwind-avia.example; Email Address info@northwind-avia.example; Secondary sanctions risk: See Section 11 of Executive Order 14024.; Target Type Private Comp"',
        '90003,"EW-999NW","aircraft","BELARUS-EO14038",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Aircraft Construction Number (also called L/N or S/N or F/N) 1234; Aircraft Manufacture Date 15 Jan 2008; Aircraft Model B.737-800; Aircraft Operator NORTHWIND AVIATION OPEN JOINT STOCK COMPANY; Aircraft Manufacturer\'s Serial Number (MSN) 35123; Aircraft Mode S Transponder Code 5100AB; Previous Aircraft Tail Number EW-998NW; Aircraft Tail Number EW-999NW; Linked To: NORTHWIND AVIATION OPEN JOINT STOCK COMPANY."',
        '90004,"POLAR STAR","vessel","IRAN",-0- ,"9BAB1","Crude Oil Tanker","150,000","81,000","Panama","OCEANIC TRADING CO., LTD.","Vessel Registration Identification IMO 9111111; MMSI 355000001; Other Vessel Flag Comoros; f.k.a. \'NORTHERN STAR\'; Linked To: OCEANIC TRADING CO., LTD."',
        '90005,"OCEANIC TRADING CO., LTD.",-0- ,"IRAN",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"Registration ID 12345 (Hong Kong); Digital Currency Address - XBT 1FfmbHfnpaZjKFvyi1okTjJJusN455paPH; alt. Phone No. 852-1234-5678; Linked To: POLAR STAR."',
        '90006,"HOPE FOUNDATION FOR RELIEF",-0- ,"SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"All offices worldwide; Linked To: A PARTY NOT ON THIS LIST."',
        '90007,"AL-SAMPLE, Yusuf","individual","SDGT",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"DOB 1970 to 1972; alt. DOB circa 1975; POB Sanaa, Yemen; nationality Yemen; Gender Male; Additional Sanctions Information - Subject to Secondary Sanctions."',
    ),
    "add.csv": (
        '90001,70001,"12 Lenin St.","Minsk","Belarus",-0- ',
        '90002,70002,"Ul. Nemiga 5","Minsk 220030","Belarus",-0- ',
        '90004,70003,-0- ,-0- ,-0- ,-0- ',
        '90005,70004,"Room 1201, 8 Harbour Road","Wan Chai","Hong Kong",-0- ',
        '90005,70005,-0- ,-0- ,-0- ,-0- ',
        '90006,70006,-0- ,-0- ,"Yemen",-0- ',
        '90007,70007,-0- ,"Sanaa","Yemen",-0- ',
    ),
    "alt.csv": (
        '90001,80001,"aka","KOVALENKO, Ivan",-0- ',
        '90002,80002,"aka","NORTHWIND AVIA",-0- ',
        '90002,80003,"fka","BELNORTH AIR",-0- ',
        '90002,80004,"nka","NW AVIATION JSC",-0- ',
        '90004,80005,"fka","NORTHERN LIGHT",-0- ',
    ),
    "sdn_comments.csv": (
        '90002,"any; Organization Type: Passenger air transport."',
    ),
}


def write_ofac_csv_set(folder: Path) -> Path:
    """Write the set into ``folder`` (created if needed) as OFAC publishes it; return ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, lines in ROWS.items():
        (folder / name).write_bytes(("\r\n".join(lines) + "\r\n\x1a").encode("ascii"))
    return folder
