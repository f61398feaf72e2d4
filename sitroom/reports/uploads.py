"""Checking and cleaning uploaded evidence before anything is stored.

The type is decided by the bytes (magic numbers, then a full decode), never by the client's
name or Content-Type. Images are re-encoded with Pillow, which drops EXIF (GPS, camera
serials), XMP, IPTC, comments and ICC profiles; PDFs are rebuilt page by page with pypdf,
which leaves out the document information, XMP metadata, JavaScript, attachments and forms.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from sitroom.reports import conf

IMAGE_TYPES = {
    # Multi-picture JPEGs (MPO: Ultra HDR, Samsung and many cameras) are JPEGs whose first
    # picture is the photo; the others (gain map, depth, second lens) are left out.
    "image/jpeg": ("JPEG", "jpg"),
    "image/png": ("PNG", "png"),
    "image/webp": ("WEBP", "webp"),
    "image/gif": ("GIF", "gif"),
}
PDF_TYPE = "application/pdf"


class UploadRejected(Exception):
    """A file we will not store; ``message`` says what the reporter can do. ``status`` is HTTP."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class CleanFile:
    content: bytes
    kind: str  # "image" | "pdf"
    content_type: str
    extension: str
    sha256: str
    width: int | None = None
    height: int | None = None

    def random_name(self) -> str:
        return f"{secrets.token_urlsafe(18)}.{self.extension}"


def check_sizes(files: list[UploadedFile]) -> None:
    """Raise 413 for too many, too large or too much in total, before reading any file."""
    if len(files) > conf.MAX_FILES:
        raise UploadRejected(
            _("At most %(n)d files per report.") % {"n": conf.MAX_FILES}, status=413
        )
    total = 0
    for f in files:
        size = f.size or 0
        total += size
        if size > conf.MAX_FILE_BYTES:
            raise UploadRejected(
                _("Each file must be at most %(mb).0f MB; this one is %(size).1f MB.")
                % {"mb": conf.MAX_FILE_BYTES / 1_048_576, "size": size / 1_048_576},
                status=413,
            )
    if total > conf.MAX_REPORT_BYTES:
        raise UploadRejected(
            _("All files together must be at most %(mb).0f MB.")
            % {"mb": conf.MAX_REPORT_BYTES / 1_048_576},
            status=413,
        )


def _read(upload: UploadedFile) -> bytes:
    upload.seek(0)
    data = upload.read(conf.MAX_FILE_BYTES + 1)
    if len(data) > conf.MAX_FILE_BYTES:
        raise UploadRejected(_("This file is too large."), status=413)
    return data


def _unsupported() -> UploadRejected:
    return UploadRejected(
        _("Only photos (JPEG, PNG, WebP, GIF) and PDF documents can be sent."), status=415
    )


def _too_many_pixels() -> UploadRejected:
    return UploadRejected(
        _("This image is too large (at most %(mp)d million pixels). Send a smaller picture.")
        % {"mp": max(1, conf.MAX_IMAGE_PIXELS // 1_000_000)},
        status=413,
    )


def _clean_image(data: bytes, mime: str) -> CleanFile:
    pil_format, extension = IMAGE_TYPES[mime]
    accepted = {pil_format, "MPO"} if pil_format == "JPEG" else {pil_format}
    # Pillow only refuses above twice this (and warns in between), so the size is checked
    # here, from the header, before any pixel is decoded; Pillow's check is the backstop.
    Image.MAX_IMAGE_PIXELS = conf.MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.format not in accepted:
                raise _unsupported()
            if probe.width * probe.height > conf.MAX_IMAGE_PIXELS:
                raise _too_many_pixels()
            probe.verify()
        image: Image.Image = Image.open(io.BytesIO(data))
        image.load()  # the first picture of a multi-picture file
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise UploadRejected(
            _("This image is damaged or not really an image. Try another file."), status=415
        ) from None
    if pil_format != "GIF":
        image = ImageOps.exif_transpose(image)  # keep the picture upright once EXIF is gone
    # Pillow writes some metadata back from ``info`` when saving (a JPEG's or GIF's comment,
    # a PNG's ICC profile), whatever the format it was read from.
    for key in ("comment", "icc_profile"):
        image.info.pop(key, None)
    out = io.BytesIO()
    if pil_format == "GIF":
        frames = getattr(image, "n_frames", 1)
        # Re-encoding a GIF frame by frame keeps animations; its extensions (XMP) are dropped.
        image.info.pop("extension", None)
        image.save(out, format="GIF", save_all=frames > 1, loop=image.info.get("loop", 0))
    elif pil_format == "JPEG":
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(out, format="JPEG", quality=90, optimize=True)
    elif pil_format == "PNG":
        image.save(out, format="PNG", optimize=False)
    else:
        image.save(out, format="WEBP", quality=90)
    content = out.getvalue()
    return CleanFile(
        content=content,
        kind="image",
        content_type=mime,
        extension=extension,
        sha256=hashlib.sha256(content).hexdigest(),
        width=image.width,
        height=image.height,
    )


def _clean_pdf(data: bytes) -> CleanFile:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise UploadRejected(
                _("This PDF is protected by a password. Send it without a password."), status=415
            )
        writer = PdfWriter()
        for page in reader.pages:
            writer.add_page(page)
        writer.metadata = None
        out = io.BytesIO()
        writer.write(out)
    except UploadRejected:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError):
        raise UploadRejected(
            _("This PDF is damaged and cannot be read. Try another file."), status=415
        ) from None
    content = out.getvalue()
    return CleanFile(
        content=content,
        kind="pdf",
        content_type=PDF_TYPE,
        extension="pdf",
        sha256=hashlib.sha256(content).hexdigest(),
    )


def clean_upload(upload: UploadedFile) -> CleanFile:
    """The file's content without metadata, or UploadRejected saying why not."""
    data = _read(upload)
    if not data:
        raise UploadRejected(_("This file is empty."), status=400)
    kind = filetype.guess(data[:8192])
    mime = kind.mime if kind is not None else ""
    if mime in IMAGE_TYPES:
        return _clean_image(data, mime)
    if mime == PDF_TYPE:
        return _clean_pdf(data)
    raise _unsupported()
