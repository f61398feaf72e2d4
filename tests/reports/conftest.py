from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from sitroom.reports import conf

GENERIC_SECRET = "generic-secret-0123456789"
TWILIO_TOKEN = "twilio-token-0123456789"
TELEGRAM_SECRET = "telegram-secret-0123456789"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def gateways(monkeypatch: pytest.MonkeyPatch) -> dict[str, conf.Gateway]:
    configured = conf.parse_gateways(
        json.dumps(
            {
                "smsbox": {"kind": "generic", "secret": GENERIC_SECRET, "channel": "sms"},
                "twilio": {"kind": "twilio", "secret": TWILIO_TOKEN},
                "tg": {"kind": "telegram", "secret": TELEGRAM_SECRET},
            }
        )
    )
    monkeypatch.setattr(conf, "GATEWAYS", configured)
    return configured


def jpeg_with_gps(width: int = 64, height: int = 48) -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Model X"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (5.0, 20.0, 0.0)
    gps[3] = "W"
    gps[4] = (4.0, 1.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_bytes() -> bytes:
    out = io.BytesIO()
    image = Image.new("RGBA", (20, 20), (0, 0, 255, 128))
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Author", "Secret Person")
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf_with_metadata() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Author": "Secret Person", "/Title": "Leaked memo"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def report_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "category": "electoral_process",
        "text": "Voting in Abidjan has been moved to Thursday, the commission said on radio.",
        "urls": ["https://www.facebook.com/story.php?story_fbid=1&id=2&fbclid=X"],
        "region": "abidjan",
    }
    payload.update(overrides)
    return payload
