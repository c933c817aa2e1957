"""Photo intake: every photo comes out upright, shrunk, and with nothing but its pixels.

The files are made here with Pillow, the way phones make them: JPEGs with GPS and orientation
tags, a transparent PNG, a CMYK JPEG, and the broken and hostile ones a public form receives.
"""

import hashlib
import io
import random
import struct
import zlib
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from zhili.core.errors import InvalidInput
from zhili.core.images import process_photo

SHANGHAI = ZoneInfo("Asia/Shanghai")
RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
GPS_IFD, EXIF_IFD = 0x8825, 0x8769
ORIENTATION, DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 0x0112, 0x9003, 0x9011
NOT_A_PHOTO = "This file is not a photo."
DAMAGED = "This photo is damaged; please take it again."
TOO_LARGE = "This photo is too large to process."
WRONG_FORMAT = "Photos in this format cannot be accepted; please send a JPEG, PNG or WebP photo."


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def encode(image: Image.Image, format: str = "JPEG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=format, **params)
    return buffer.getvalue()


def upload(data: bytes, name: str = "IMG_0001.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="image/jpeg")


def marked(size=(60, 40)) -> Image.Image:
    """Blue, with a red square in the stored top-left corner, to see where it ends up."""
    image = Image.new("RGB", size, BLUE)
    ImageDraw.Draw(image).rectangle((0, 0, 11, 11), fill=RED)
    return image


def phone_exif(*, orientation: int = 1, taken: str | None = "2026:03:14 09:26:53") -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "Xiaomi"  # Make
    exif[0x0110] = "Redmi Note 13"  # Model
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps[1], gps[2] = "N", (28.0, 57.0, 1.5)  # latitude
    gps[3], gps[4] = "E", (117.0, 6.0, 7.25)  # longitude
    if taken:
        exif.get_ifd(EXIF_IFD)[DATETIME_ORIGINAL] = taken
    return exif


def refusal(source, **kwargs) -> dict:
    with pytest.raises(InvalidInput) as caught:
        process_photo(source, **kwargs)
    return caught.value.as_dict()["fields"]


def reopen(content) -> Image.Image:
    content.seek(0)
    image = Image.open(io.BytesIO(content.read()))
    image.load()
    return image


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def noisy(size=(200, 200), mode="RGB") -> Image.Image:
    """Random pixels (always the same ones), which compress badly, as real photos do."""
    bands = len(mode)
    return Image.frombytes(mode, size, random.Random(7).randbytes(size[0] * size[1] * bands))


def png_header_claiming(width: int, height: int) -> bytes:
    """A few dozen bytes that say "1-bit greyscale, width × height": a decompression bomb."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00"))
        + chunk(b"IEND", b"")
    )


# --- What is stripped ---------------------------------------------------------------------


def test_gps_and_every_other_tag_are_gone_from_the_stored_photo():
    source = encode(
        marked(),
        exif=phone_exif(),
        comment=b"Leping, Boyang street",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">Leping</x:xmpmeta>',
        icc_profile=b"\x00" * 128,
    )
    original = Image.open(io.BytesIO(source))
    assert original.getexif().get_ifd(GPS_IFD)[2] == (28.0, 57.0, 1.5)  # the input had it

    photo = process_photo(upload(source))

    for content in (photo.image, photo.thumbnail):
        stored = reopen(content)
        assert stored.format == "JPEG"
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(GPS_IFD) == {}
        assert not {"exif", "xmp", "icc_profile", "comment"} & set(stored.info)
        content.seek(0)
        raw = content.read()
        assert b"Exif" not in raw and b"Leping" not in raw and b"ICC_PROFILE" not in raw
    # The original name (often a date, sometimes a place) is not kept either.
    assert photo.image.name == f"{photo.sha256}.jpg"
    assert photo.content_type == "image/jpeg"


def test_the_same_photo_with_or_without_its_gps_tags_is_the_same_stored_photo():
    pixels = marked()
    with_gps = process_photo(upload(encode(pixels, exif=phone_exif())))
    without = process_photo(upload(encode(pixels)))
    assert with_gps.sha256 == without.sha256


def test_the_digest_is_of_the_stored_bytes_and_stable():
    source = encode(marked(), exif=phone_exif())
    first, second = process_photo(upload(source)), process_photo(io.BytesIO(source))
    first.image.seek(0)
    assert first.sha256 == hashlib.sha256(first.image.read()).hexdigest()
    assert second.sha256 == first.sha256
    other = process_photo(upload(encode(marked((61, 40)))))
    assert other.sha256 != first.sha256


# --- Orientation --------------------------------------------------------------------------

# Where the red square stored top-left is seen, and whether width and height swap, for each
# EXIF orientation (TIFF 6.0: 6 = turn 90° clockwise to view, 8 = 90° anticlockwise).
ORIENTATIONS = {
    1: ("top-left", False),
    2: ("top-right", False),
    3: ("bottom-right", False),
    4: ("bottom-left", False),
    5: ("top-left", True),
    6: ("top-right", True),
    7: ("bottom-right", True),
    8: ("bottom-left", True),
}


@pytest.mark.parametrize("orientation", sorted(ORIENTATIONS))
def test_a_turned_phone_photo_is_stored_upright(orientation):
    corner, swapped = ORIENTATIONS[orientation]
    photo = process_photo(
        upload(encode(marked((60, 40)), exif=phone_exif(orientation=orientation)))
    )

    assert (photo.width, photo.height) == ((40, 60) if swapped else (60, 40))
    stored = reopen(photo.image).convert("RGB")
    right, bottom = photo.width - 3, photo.height - 3
    where = {
        "top-left": (2, 2),
        "top-right": (right, 2),
        "bottom-right": (right, bottom),
        "bottom-left": (2, bottom),
    }
    for name, point in where.items():
        assert close_to(stored.getpixel(point), RED if name == corner else BLUE), name
    assert ORIENTATION not in reopen(photo.image).getexif()


# --- Modes --------------------------------------------------------------------------------


def test_a_transparent_png_is_laid_on_white_and_stored_as_jpeg():
    image = Image.new("RGBA", (40, 20), (0, 0, 0, 0))
    ImageDraw.Draw(image).rectangle((20, 0, 39, 19), fill=(*RED, 255))
    photo = process_photo(upload(encode(image, "PNG"), "sticker.png"))

    stored = reopen(photo.image)
    assert (stored.format, stored.mode, photo.content_type) == ("JPEG", "RGB", "image/jpeg")
    assert close_to(stored.getpixel((5, 10)), WHITE)
    assert close_to(stored.getpixel((35, 10)), RED)


def test_a_cmyk_jpeg_becomes_rgb():
    image = Image.new("CMYK", (32, 32), (0, 255, 255, 0))  # no cyan, full magenta and yellow
    photo = process_photo(upload(encode(image)))
    stored = reopen(photo.image)
    assert stored.mode == "RGB"
    assert close_to(stored.getpixel((16, 16)), RED)


def test_a_gif_gives_its_first_frame_and_a_transparent_index_turns_white():
    first = Image.new("P", (20, 20), 0)
    first.putpalette([*RED, *BLUE] + [0] * 762)
    ImageDraw.Draw(first).rectangle((10, 0, 19, 19), fill=1)
    second = Image.new("P", (20, 20), 1)
    second.putpalette([*RED, *BLUE] + [0] * 762)
    source = encode(first, "GIF", save_all=True, append_images=[second], transparency=1)

    stored = reopen(process_photo(upload(source, "clip.gif")).image)
    assert close_to(stored.getpixel((3, 10)), RED)
    assert close_to(stored.getpixel((16, 10)), WHITE)


def test_a_16_bit_grey_png_is_scaled_not_clipped():
    image = Image.new("I;16", (16, 16), 32768)  # middle grey in 16 bits
    stored = reopen(process_photo(upload(encode(image, "PNG"), "scan.png")).image)
    assert stored.mode == "L"
    assert abs(stored.getpixel((8, 8)) - 128) <= 2


def test_webp_and_multi_picture_jpeg_are_accepted():
    webp = process_photo(upload(encode(marked(), "WEBP"), "a.webp"))
    mpo = process_photo(
        upload(encode(marked(), "MPO", save_all=True, append_images=[Image.new("RGB", (8, 8))]))
    )
    assert (webp.width, webp.height) == (mpo.width, mpo.height) == (60, 40)


# --- Sizes --------------------------------------------------------------------------------


def test_a_big_photo_is_shrunk_to_the_longest_side_and_a_thumbnail():
    photo = process_photo(upload(encode(Image.new("RGB", (3000, 1000), BLUE))))
    # 2560 / 3000 × 1000 = 853.3; 320 / 2560 × 853 = 106.6
    assert (photo.width, photo.height) == (2560, 853)
    assert reopen(photo.image).size == (2560, 853)
    assert reopen(photo.thumbnail).size == (320, 107)


def test_a_jpeg_decoded_at_a_reduced_scale_still_comes_out_at_exactly_the_limit():
    with override_settings(PHOTO_MAX_SIDE=100, PHOTO_THUMB_SIZE=20):
        photo = process_photo(upload(encode(marked((450, 300)))))
    assert (photo.width, photo.height) == (100, 67)
    assert close_to(reopen(photo.image).convert("RGB").getpixel((0, 0)), RED)


def test_a_small_photo_is_never_enlarged():
    photo = process_photo(upload(encode(Image.new("RGB", (100, 50), BLUE))))
    assert (photo.width, photo.height) == (100, 50)
    assert reopen(photo.thumbnail).size == (100, 50)


@hypothesis_settings(max_examples=40, deadline=None)
@example(width=127, height=128, orientation=1)  # 63.5 × 64 rounds to a square
@given(
    width=st.integers(1, 400),
    height=st.integers(1, 400),
    orientation=st.integers(1, 8),
)
def test_any_size_within_the_limits_fits_the_box_and_keeps_its_shape(width, height, orientation):
    source = encode(
        Image.new("RGB", (width, height), BLUE), exif=phone_exif(orientation=orientation)
    )
    with override_settings(PHOTO_MAX_SIDE=64, PHOTO_THUMB_SIZE=16):
        photo = process_photo(upload(source))

    upright = (height, width) if orientation >= 5 else (width, height)
    assert max(photo.width, photo.height) == min(64, max(upright))
    assert reopen(photo.image).size == (photo.width, photo.height)
    thumb = reopen(photo.thumbnail).size
    assert max(thumb) == min(16, max(upright))
    scale = min(1, 64 / max(upright))  # each side within a pixel of the exact scaled side
    assert abs(photo.width - upright[0] * scale) <= 1
    assert abs(photo.height - upright[1] * scale) <= 1


# --- Taken at -----------------------------------------------------------------------------


def test_taken_at_is_the_camera_time_read_as_shanghai_time():
    photo = process_photo(upload(encode(marked(), exif=phone_exif(taken="2026:03:14 09:26:53"))))
    assert photo.taken_at == datetime(2026, 3, 14, 9, 26, 53, tzinfo=SHANGHAI)
    assert photo.taken_at.utcoffset().total_seconds() == 8 * 3600


def test_taken_at_honours_a_stated_offset():
    exif = phone_exif(taken="2026:03:14 09:26:53")
    exif.get_ifd(EXIF_IFD)[OFFSET_TIME_ORIGINAL] = "+02:00"  # taken abroad
    photo = process_photo(upload(encode(marked(), exif=exif)))
    assert photo.taken_at == datetime(2026, 3, 14, 15, 26, 53, tzinfo=SHANGHAI)


@pytest.mark.parametrize("taken", [None, "0000:00:00 00:00:00", "    :  :     :  :  ", "soon"])
def test_taken_at_is_none_without_a_usable_date(taken):
    assert process_photo(upload(encode(marked(), exif=phone_exif(taken=taken)))).taken_at is None


def test_a_photo_without_any_exif_has_no_taken_at():
    assert process_photo(upload(encode(marked(), "PNG"))).taken_at is None


# --- Refusals -----------------------------------------------------------------------------


def test_a_text_file_renamed_jpg_is_not_a_photo():
    assert refusal(upload(b"Meeting notes, 3 March\n" * 20, "notes.jpg")) == {
        "photos": [NOT_A_PHOTO]
    }


def test_an_empty_file_is_not_a_photo():
    assert refusal(upload(b"")) == {"photos": [NOT_A_PHOTO]}


def test_a_truncated_jpeg_is_damaged():
    source = encode(noisy(), quality=95)
    assert refusal(upload(source[: len(source) // 2])) == {"photos": [DAMAGED]}


def test_a_png_with_damaged_pixel_data_is_damaged():
    source = bytearray(encode(noisy((64, 64), "L"), "PNG"))
    source[source.index(b"IDAT") + 20] ^= 0xFF
    assert refusal(upload(bytes(source), "a.png")) == {"photos": [DAMAGED]}


def test_a_png_whose_checksum_does_not_match_is_damaged_though_it_would_decode():
    source = bytearray(encode(noisy((64, 64), "L"), "PNG"))
    at = source.index(b"IDAT")
    (length,) = struct.unpack(">I", source[at - 4 : at])
    source[at + 4 + length] ^= 0xFF  # the chunk's CRC, not its data
    assert Image.open(io.BytesIO(bytes(source))).load() is not None  # decoding alone passes
    assert refusal(upload(bytes(source), "a.png")) == {"photos": [DAMAGED]}


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", id="iphone-heic"),
        pytest.param(b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", id="avif"),
        pytest.param(encode(marked(), "TIFF"), id="tiff"),
    ],
)
def test_a_photo_in_a_format_we_do_not_take_says_which_formats_we_do(source):
    assert refusal(upload(source)) == {"photos": [WRONG_FORMAT]}


def test_a_bitmap_is_not_decoded_at_all():
    assert refusal(upload(encode(marked(), "BMP"), "a.bmp")) == {"photos": [NOT_A_PHOTO]}


def test_an_upload_over_the_limit_is_refused_before_it_is_read():
    class Huge:
        size = 10 * 1024 * 1024 + 1

        def read(self, *args):
            raise AssertionError("the file was read")

    assert refusal(Huge()) == {"photos": ["A photo may be at most 10.0\xa0MB."]}


def test_a_stream_over_the_limit_is_refused_after_reading_only_the_limit(settings):
    settings.PHOTO_MAX_BYTES = 1000
    source = encode(noisy((100, 100)), quality=95)
    assert len(source) > 1000
    stream = io.BytesIO(source)
    assert refusal(stream) == {"photos": ["A photo may be at most 1000\xa0bytes."]}
    assert stream.tell() == 1001


@pytest.mark.parametrize(
    "width, height",
    [
        pytest.param(50_000, 50_000, id="pillow-error"),  # 2.5 gigapixels
        pytest.param(10_000, 10_000, id="pillow-warning"),  # 100 MP: Pillow only warns
        pytest.param(8_000, 6_000, id="our-limit"),  # 48 MP, over our 40 MP
    ],
)
def test_a_decompression_bomb_is_refused_from_its_header(width, height):
    source = png_header_claiming(width, height)
    assert len(source) < 100
    assert refusal(upload(source, "bomb.png")) == {"photos": [TOO_LARGE]}


def test_the_pixel_limit_is_a_setting(settings):
    settings.PHOTO_MAX_PIXELS = 60 * 40 - 1
    assert refusal(upload(encode(marked((60, 40))))) == {"photos": [TOO_LARGE]}
    settings.PHOTO_MAX_PIXELS = 60 * 40
    assert process_photo(upload(encode(marked((60, 40))))).width == 60


def test_the_error_names_the_field_the_caller_asks_for():
    assert refusal(upload(b"not an image"), field="evidence") == {"evidence": [NOT_A_PHOTO]}


# Pillow's EXIF reader warns about a tag cut short; the photo is then taken without it.
@pytest.mark.filterwarnings("ignore:Truncated File Read:UserWarning")
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_mangled_photo_is_either_cleaned_or_refused_never_a_crash(data):
    format = data.draw(st.sampled_from(["JPEG", "PNG", "WEBP", "GIF"]))
    metadata = {} if format == "GIF" else {"exif": phone_exif(orientation=6)}
    source = bytearray(encode(noisy((48, 32)), format, **metadata))
    for _ in range(data.draw(st.integers(0, 4))):
        at = data.draw(st.integers(0, len(source) - 1))
        source[at] = data.draw(st.integers(0, 255))
    source = source[: data.draw(st.integers(0, len(source)))]
    try:
        photo = process_photo(upload(bytes(source)))
    except InvalidInput as refused:
        assert set(refused.fields) == {"photos"}
    else:
        assert max(photo.width, photo.height) <= 2560
        assert dict(reopen(photo.image).getexif()) == {}
