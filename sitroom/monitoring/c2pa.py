"""Content credentials (C2PA): is a manifest embedded in an image?

Offline presence detection only: a JPEG carries a C2PA manifest store as a JUMBF box
("jumb" with a "c2pa" label) in APP11 segments; a PNG carries it in a ``caBX`` chunk. We
report ``present`` / ``absent`` / ``invalid`` (damaged container or truncated manifest).
Validating signatures needs the c2pa library and trust lists; this does not claim to.
"""

from __future__ import annotations

import struct

PRESENT = "present"
ABSENT = "absent"
INVALID = "invalid"
UNSUPPORTED = "unsupported"

_PNG_SIG = b"\x89PNG\r\n\x1a\n"


def _jpeg(data: bytes) -> str:
    i = 2
    n = len(data)
    found_jumbf = False
    while i + 4 <= n:
        if data[i] != 0xFF:
            return INVALID
        marker = data[i + 1]
        if marker in (0xD9, 0xDA):  # end of image / start of scan: no more metadata
            break
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            i += 2
            continue
        (length,) = struct.unpack(">H", data[i + 2 : i + 4])
        if length < 2 or i + 2 + length > n:
            return INVALID
        segment = data[i + 4 : i + 2 + length]
        if marker == 0xEB and segment[:2] == b"JP":  # APP11, JPEG XT box: JUMBF
            found_jumbf = True
            if b"jumb" in segment and b"c2pa" in segment:
                return PRESENT
        i += 2 + length
    return INVALID if found_jumbf else ABSENT


def _png(data: bytes) -> str:
    i = 8
    n = len(data)
    while i + 8 <= n:
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        if i + 12 + length > n:
            return INVALID
        if kind == b"caBX":
            body = data[i + 8 : i + 8 + length]
            return PRESENT if b"jumb" in body and b"c2pa" in body else INVALID
        if kind == b"IEND":
            break
        i += 12 + length
    return ABSENT


def c2pa_status(data: bytes) -> str:
    """present / absent / invalid for JPEG and PNG; unsupported for other formats."""
    if data[:2] == b"\xff\xd8":
        return _jpeg(data)
    if data[:8] == _PNG_SIG:
        return _png(data)
    return UNSUPPORTED
