"""Checking uploaded files before anything is stored: size, real type (by content), image sanity.

Pure (no ORM). The file's own name and the browser's MIME type are not trusted; the type is read from the
first bytes, images are measured from their header before decoding (a "decompression bomb" – a small file
that claims a huge picture – is refused before any pixel is allocated) and then decoded once.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    import numpy as np

MAX_PIXELS = 40_000_000
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
TYPE_NAMES = {"image/png": "PNG", "image/jpeg": "JPEG", "application/pdf": "PDF"}


class UploadError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class CheckedFile:
    data: bytes
    content_type: str
    extension: str
    sha256: str
    width: int = 0
    height: int = 0


def read_limited(uploaded, max_bytes: int) -> bytes:
    """Read an UploadedFile, stopping one byte past the limit (the rest is never looked at)."""
    if getattr(uploaded, "size", 0) and uploaded.size > max_bytes:
        raise UploadError(_too_big(max_bytes))
    out = bytearray()
    for chunk in uploaded.chunks():
        out.extend(chunk)
        if len(out) > max_bytes:
            raise UploadError(_too_big(max_bytes))
    return bytes(out)


def _too_big(max_bytes: int) -> str:
    return _("Die Datei ist zu groß (höchstens %(mb)s MB).") % {"mb": f"{max_bytes / 1024 / 1024:.0f}"}


def sniff(data: bytes) -> tuple[str, str] | None:
    for magic, content_type, extension in SIGNATURES:
        if data.startswith(magic):
            return content_type, extension
    return None


def image_size(data: bytes, content_type: str) -> tuple[int, int] | None:
    """(width, height) from the header, or None if the header is unreadable."""
    if content_type == "image/png":
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return struct.unpack(">II", data[16:24])
    if content_type == "image/jpeg":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[i + 5 : i + 9])
                return width, height
            i += 2 + length
        return None
    return None


def check(data: bytes, *, accept: tuple[str, ...], max_bytes: int, max_pixels: int = MAX_PIXELS) -> CheckedFile:
    """Type from the content, size, and for images the pixel count from the header before anything is decoded
    (a small file can claim a huge picture: decompression bomb)."""
    if not data:
        raise UploadError(_("Die Datei ist leer."))
    if len(data) > max_bytes:
        raise UploadError(_too_big(max_bytes))
    allowed = ", ".join(TYPE_NAMES.get(t, t) for t in accept)
    sniffed = sniff(data)
    if sniffed is None or sniffed[0] not in accept:
        raise UploadError(_("Dieser Dateityp wird nicht angenommen. Erlaubt: %(types)s.") % {"types": allowed})
    content_type, extension = sniffed
    width = height = 0
    if content_type.startswith("image/"):
        size = image_size(data, content_type)
        if size is None:
            raise UploadError(_("Das Bild ist beschädigt und kann nicht gelesen werden."))
        width, height = size
        if width * height > max_pixels:
            raise UploadError(
                _("Das Bild hat zu viele Bildpunkte (höchstens %(mp)d Megapixel).") % {"mp": max_pixels // 1_000_000}
            )
        if decode(data) is None:
            raise UploadError(_("Das Bild ist beschädigt und kann nicht gelesen werden."))
    return CheckedFile(data, content_type, extension, hashlib.sha256(data).hexdigest(), width, height)


def decode(data: bytes) -> np.ndarray | None:
    """The picture as a BGR array, or None when it cannot be decoded."""
    # OpenCV and NumPy load only for an upload: importing them at start cost every web process ~0.5 s.
    import cv2
    import numpy as np

    try:
        image = cv2.imdecode(np.frombuffer(data, dtype=np.uint8), cv2.IMREAD_COLOR)
    except cv2.error:
        return None
    return image if image is not None and image.size else None
