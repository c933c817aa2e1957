"""Photo intake: turn an uploaded file into a clean JPEG and its thumbnail, or refuse it.

A report's photos come from phones we do not control and are shown to many people, so every
photo is decoded and re-encoded from its pixels: what is stored is only what the camera saw,
upright, without the EXIF block (GPS position, phone model, serial numbers), XMP, ICC profile
or comments, and without whatever else a crafted file could carry. The limits are read from
settings at each call (see docs/photos.md); nothing here touches models or storage.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import timezone as dt_timezone

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import ExifTags, Image

from zhili.core.errors import InvalidInput

# Pillow parses only these; anything else is refused before a decoder for it ever runs.
# "JPEG" includes multi-picture JPEGs (MPO), which some phones write; their first picture
# is the photo.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# For the upload field's `accept` attribute: iOS then converts HEIC photos to JPEG itself.
ACCEPT_ATTRIBUTE = "image/jpeg,image/png,image/webp,image/gif"

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
DEFAULT_MAX_SIDE = 2560
DEFAULT_THUMB_SIZE = 320
JPEG_QUALITY = 85
THUMB_QUALITY = 80
CONTENT_TYPE = "image/jpeg"

# ISO BMFF brands of HEIF and AVIF (iPhone and recent Android cameras) and the TIFF byte
# orders (TIFF, DNG raw): photo formats we do not accept, recognised by their first bytes so
# that the courier is told to change the format rather than that the file is not a photo.
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_AVIF_BRANDS = {b"avif", b"avis"}
_TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
# EXIF orientation (TIFF 6.0) → the transposition that shows the photo upright; the same
# table as ImageOps.exif_transpose, applied here after shrinking rather than before.
_TURN_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_EXIF_OFFSET = re.compile(r"^([+-])(\d\d):(\d\d)$")


@dataclass(frozen=True)
class ProcessedPhoto:
    image: ContentFile  # JPEG, longest side at most PHOTO_MAX_SIDE
    thumbnail: ContentFile  # JPEG, longest side at most PHOTO_THUMB_SIZE
    width: int
    height: int
    sha256: str  # of the image's bytes, for spotting the same photo sent twice
    content_type: str  # always "image/jpeg" (see docs/photos.md, "Output")
    taken_at: datetime | None  # the camera's claim (EXIF DateTimeOriginal), not evidence


def process_photo(upload, *, field: str = "photos") -> ProcessedPhoto:
    """Check, clean and shrink one uploaded photo.

    `upload` is a Django UploadedFile or any binary file-like object; its name and declared
    content type are ignored, only its bytes count. `field` names the form or API field the
    error messages are attached to.

    Raises InvalidInput({field: [message]}) when the file is too big, not an image, in a format
    we do not accept, damaged, or has more pixels than PHOTO_MAX_PIXELS.
    """
    max_bytes = getattr(settings, "PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES)
    max_pixels = getattr(settings, "PHOTO_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    max_side = getattr(settings, "PHOTO_MAX_SIDE", DEFAULT_MAX_SIDE)
    thumb_size = getattr(settings, "PHOTO_THUMB_SIZE", DEFAULT_THUMB_SIZE)

    data = _read_at_most(upload, max_bytes, field=field)
    image, size = _decode(data, max_pixels=max_pixels, max_side=max_side, field=field)
    exif = _exif_of(image)
    taken_at = _taken_at(exif)
    # Shrink first, then turn: turning the smaller image is cheaper.
    image = _resize(_flatten(image), size, Image.Resampling.BICUBIC)
    turn = _upright_turn(exif)
    if turn is not None:
        image = image.transpose(turn)
    thumb = _resize(image, _fit(image.size, thumb_size), Image.Resampling.LANCZOS)
    body = _encode(image, quality=JPEG_QUALITY)
    thumb_body = _encode(thumb, quality=THUMB_QUALITY)

    digest = hashlib.sha256(body).hexdigest()
    return ProcessedPhoto(
        image=ContentFile(body, name=f"{digest}.jpg"),
        thumbnail=ContentFile(thumb_body, name=f"{digest}-thumb.jpg"),
        width=image.width,
        height=image.height,
        sha256=digest,
        content_type=CONTENT_TYPE,
        taken_at=taken_at,
    )


def _refuse(field: str, message) -> InvalidInput:
    return InvalidInput(fields={field: [message]})


def _too_big(field: str, max_bytes: int) -> InvalidInput:
    return _refuse(
        field, _("A photo may be at most %(size)s.") % {"size": filesizeformat(max_bytes)}
    )


def _read_at_most(upload, max_bytes: int, *, field: str) -> bytes:
    # The declared size refuses a big upload without reading it; the bounded read covers
    # file-likes that have no size or misstate it.
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes:
        raise _too_big(field, max_bytes)
    try:
        upload.seek(0)
    except (AttributeError, OSError, ValueError):
        pass  # a stream that cannot seek is read from where it stands
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _too_big(field, max_bytes)
    return data


def _unsupported_photo_format(head: bytes) -> bool:
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS | _AVIF_BRANDS:
        return True
    return head[:4] in _TIFF_MAGIC


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """`size` shrunk, keeping its shape, until its longest side is at most `longest`."""
    width, height = size
    if max(width, height) <= longest:
        return size
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _resize(image: Image.Image, size: tuple[int, int], resample) -> Image.Image:
    if image.size != size:
        # reducing_gap: a fast integer reduction first, then the filter for the last factor
        # of 3. Bicubic for the photo (Pillow's thumbnail default; a third faster than
        # Lanczos, no visible difference below 2:1), Lanczos for the sharper thumbnail.
        image = image.resize(size, resample, reducing_gap=3.0)
    return image


def _decode(
    data: bytes, *, max_pixels: int, max_side: int, field: str
) -> tuple[Image.Image, tuple[int, int]]:
    """The decoded image and the size to store it at (before orientation), or a refusal."""
    too_large = _refuse(field, _("This photo is too large to process."))
    damaged = _refuse(field, _("This photo is damaged; please take it again."))
    # Opening reads only the header. Pillow's own bomb check raises an error far above our
    # limit and warns a little above it; a warning turned into an error counts the same.
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            if probe.width * probe.height > max_pixels:
                raise too_large
            probe.verify()  # checksums where the format has them (PNG); cheap
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_large from None
    except Image.UnidentifiedImageError:
        if _unsupported_photo_format(data[:16]):
            raise _refuse(
                field,
                _(
                    "Photos in this format cannot be accepted; "
                    "please send a JPEG, PNG or WebP photo."
                ),
            ) from None
        raise _refuse(field, _("This file is not a photo.")) from None
    except InvalidInput:
        raise
    except Exception:
        raise damaged from None

    # verify() leaves the image unusable, so open again and decode every pixel: a truncated
    # or corrupt file fails here rather than being stored half grey.
    try:
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        size = _fit(image.size, max_side)
        if max(image.size) >= 2 * max_side:
            # JPEG can decode at 1/2, 1/4 or 1/8 scale, much faster than decoding in full and
            # shrinking; it keeps at least `size`, from which the resize makes exactly `size`.
            image.draft(None, size)
        image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning, MemoryError):
        raise too_large from None
    except Exception:
        raise damaged from None
    return image, size


def _exif_of(image: Image.Image) -> Image.Exif:
    try:
        return image.getexif()
    except Exception:
        return Image.Exif()  # unreadable metadata is dropped like readable metadata


# Tag values are decoded only when read, so a crafted tag fails there, not in getexif(); a
# photo whose metadata cannot be read is taken without the metadata.


def _upright_turn(exif: Image.Exif) -> Image.Transpose | None:
    try:
        orientation = exif.get(ExifTags.Base.Orientation)
    except Exception:
        return None
    return _TURN_UPRIGHT.get(orientation) if isinstance(orientation, int) else None


def _taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal as an aware time in TIME_ZONE (Asia/Shanghai), or None.

    With OffsetTimeOriginal the stated offset is honoured; without it the phone's clock is
    taken to be local time, as it is for nearly every photo taken here.
    """
    try:
        detail = exif.get_ifd(ExifTags.IFD.Exif)
        raw = detail.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTimeOriginal)
        offset = detail.get(ExifTags.Base.OffsetTimeOriginal)
    except Exception:
        return None
    text = _exif_text(raw)
    if not text:
        return None
    try:
        naive = datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None  # blank ("    :  :  ") or zero dates, which cameras write when unset
    local = timezone.get_default_timezone()
    match = _EXIF_OFFSET.match(_exif_text(offset) or "")
    if match:
        sign = -1 if match.group(1) == "-" else 1
        stated = dt_timezone(
            sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3)))
        )
        return naive.replace(tzinfo=stated).astimezone(local)
    return timezone.make_aware(naive, local)


def _exif_text(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="ignore")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").strip()


def _flatten(image: Image.Image) -> Image.Image:
    """Pixels in a mode JPEG stores: L for greyscale, RGB for everything else.

    Transparency is laid on white (a cut-out or a screenshot reads as on paper); CMYK and
    palette images become RGB; 16-bit greyscale is scaled, not clipped, to 8 bits.
    """
    mode = image.mode
    if "transparency" in image.info and mode in ("1", "L", "P", "RGB"):
        # A palette entry or a colour marked transparent (PNG tRNS, GIF) becomes an alpha band.
        image, mode = image.convert("RGBA"), "RGBA"
    if mode in ("1", "L"):
        return image.convert("L")
    if mode.startswith("I;16") or mode == "I":
        return image.convert("I").point(lambda value: value / 256).convert("L")
    if mode in ("LA", "La", "PA", "RGBA", "RGBa"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    if mode == "RGB":
        return image
    return image.convert("RGB")  # P, CMYK, YCbCr, LAB, HSV


def _encode(image: Image.Image, *, quality: int) -> bytes:
    # Nothing from the source file goes into the output: the JPEG encoder copies a comment
    # from `info` (and other encoders EXIF, XMP and ICC), and no metadata argument is given.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=quality, optimize=True)
    return buffer.getvalue()
