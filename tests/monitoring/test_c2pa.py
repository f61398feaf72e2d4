from __future__ import annotations

import struct
import zlib

from sitroom.monitoring.c2pa import c2pa_status


def _jumbf(label: bytes) -> bytes:
    desc = b"jumd" + b"\x00" * 16 + b"\x03" + label + b"\x00"
    inner = struct.pack(">I", 8 + len(desc)) + desc
    return struct.pack(">I", 8 + len(inner)) + b"jumb" + inner


def jpeg_with_c2pa(label: bytes = b"c2pa") -> bytes:
    # APP11 JPEG XT box: "JP", instance, sequence, then the JUMBF superbox.
    payload = b"JP" + b"\x00\x01" + b"\x00\x00\x00\x01" + _jumbf(label)
    app11 = b"\xff\xeb" + struct.pack(">H", len(payload) + 2) + payload
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + app11 + b"\xff\xda\x00\x02" + b"\x00" * 10 + b"\xff\xd9"


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png(extra: bytes = b"") -> bytes:
    ihdr = _chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    return b"\x89PNG\r\n\x1a\n" + ihdr + extra + _chunk(b"IEND", b"")


def test_jpeg_manifest_present_absent_and_damaged():
    assert c2pa_status(jpeg_with_c2pa()) == "present"
    assert c2pa_status(jpeg_with_c2pa(label=b"xmp")) == "invalid"  # JUMBF without a manifest
    plain = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
    assert c2pa_status(plain) == "absent"
    assert c2pa_status(jpeg_with_c2pa()[:30]) == "invalid"  # truncated segment


def test_png_cabx_chunk_and_other_formats():
    assert c2pa_status(png(_chunk(b"caBX", _jumbf(b"c2pa")))) == "present"
    assert c2pa_status(png()) == "absent"
    assert c2pa_status(png(_chunk(b"caBX", b"garbage"))) == "invalid"
    assert c2pa_status(b"GIF89a....") == "unsupported"
