"""Photo pre-check on synthetic photos drawn at test time: each rule fails alone, a good photo passes."""

import pytest

from buergerbuero.applications import photocheck
from tests.applications.photos import photo


def codes(**kwargs) -> set[str]:
    return {f.code for f in photocheck.check(photo(**kwargs)).findings}


def test_a_good_photo_passes():
    result = photocheck.check(photo())
    assert result.ok, result.findings
    assert 0.70 <= result.measurements["head_fraction"] <= 0.80
    assert 22 / 45 <= result.measurements["eye_line"] <= 32 / 45


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"width": 1063}, "ratio"),
        ({"width": 300, "height": 386}, "resolution"),
        ({"faces": 0}, "no_face"),
        ({"faces": 2}, "faces"),
        ({"head": 0.6}, "head_small"),
        ({"head": 0.9}, "head_large"),
        ({"rotate": 12}, "tilt"),
        ({"shift": 0.12}, "eye_line"),
        ({"background": 100}, "background_dark"),
        ({"busy": True}, "background_busy"),
        ({"blur": 6}, "blurred"),
    ],
)
def test_each_rule_reports_its_failure(kwargs, expected):
    assert expected in codes(**kwargs)


def test_messages_are_plain_german():
    findings = photocheck.check(photo(head=0.6, background=100)).findings
    messages = " ".join(f.message for f in findings)
    assert "Der Kopf ist zu klein" in messages and "Hintergrund ist zu dunkel" in messages


def test_photo_check_page_explains_and_stores_nothing(client, settings):
    import cv2
    from django.core.files.uploadedfile import SimpleUploadedFile

    _ok, jpeg = cv2.imencode(".jpg", photo(head=0.6))
    response = client.post(
        "/online/fotopruefung", {"photo": SimpleUploadedFile("me.jpg", jpeg.tobytes(), "image/jpeg")}
    )
    assert response.status_code == 200
    assert "Der Kopf ist zu klein" in response.content.decode()
    _ok, good = cv2.imencode(".jpg", photo())
    response = client.post(
        "/online/fotopruefung", {"photo": SimpleUploadedFile("me.jpg", good.tobytes(), "image/jpeg")}
    )
    assert 'id="photo-ok"' in response.content.decode()
    for data, message in [(b"\xff\xd8\xff\xe0" + b"\x00" * 100, "beschädigt"), (b"PK\x03\x04zip", "Dateityp")]:
        response = client.post("/online/fotopruefung", {"photo": SimpleUploadedFile("x.jpg", data, "image/jpeg")})
        assert response.status_code == 400 and message in response.content.decode()
    assert client.post("/online/fotopruefung", {}).status_code == 400
    assert not settings.MEDIA_ROOT.exists() or not any(settings.MEDIA_ROOT.rglob("*.*"))


# A real portrait: scikit-image's astronaut (Eileen Collins, NASA, public domain). Measured by hand on the
# 512 × 512 original: crown (top of the hair) at row 16, chin at row 177, face centre at column 222.
CROWN, CHIN, CENTRE = 16, 177, 222


def portrait(head: float, *, above: float = 0.10, cut: int = 0):
    """The astronaut cut to 35:45 with the head (chin to crown) a known share of the height, `above` of the
    height left above the crown (the sky is extended upwards); `cut` rows more cut off at the top."""
    import cv2
    from skimage import data

    image = cv2.copyMakeBorder(cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR), 100, 0, 0, 0, cv2.BORDER_REPLICATE)
    height = round((CHIN - CROWN) / head)
    width = round(height * 35 / 45)
    top = 100 + CROWN - round(height * above) + cut
    crop = image[top : top + height, CENTRE - width // 2 : CENTRE - width // 2 + width]
    return cv2.resize(crop, (827, 1063), interpolation=cv2.INTER_CUBIC)


@pytest.mark.parametrize("head", [0.716, 0.73, 0.76, 0.78])
def test_a_real_portrait_is_measured_from_crown_to_chin(head):
    result = photocheck.check(portrait(head))
    assert abs(result.measurements["head_fraction"] - head) <= 0.01, result.measurements
    assert "head_small" not in {f.code for f in result.findings}


def test_a_real_portrait_with_a_small_head_is_refused():
    assert "head_small" in {f.code for f in photocheck.check(portrait(0.66, above=0.14)).findings}


def test_a_head_cut_off_at_the_top_is_named_as_such():
    findings = {f.code: f.message for f in photocheck.check(portrait(0.73, above=0.0, cut=30)).findings}
    assert findings["head_cut"].startswith("Kopf oben angeschnitten")
    assert "head_small" not in findings and "head_large" not in findings


def test_a_picture_claiming_too_many_pixels_is_refused_before_decoding(client):
    import struct
    import zlib

    from django.core.files.uploadedfile import SimpleUploadedFile

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    # 6300 × 6300 pixels (39.7 MP, under the 40 MP cap of other uploads) in a few hundred bytes of PNG header
    header = struct.pack(">IIBBBBB", 6300, 6300, 8, 0, 0, 0, 0)
    bomb = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 6301 * 4))
        + chunk(b"IEND", b"")
    )
    response = client.post("/online/fotopruefung", {"photo": SimpleUploadedFile("big.png", bomb, "image/png")})
    assert response.status_code == 400
    assert "zu viele Bildpunkte (höchstens 12 Megapixel)" in response.content.decode()


def test_the_anonymous_check_is_rate_limited(client, settings):
    import cv2
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.RATELIMITS = {**settings.RATELIMITS, "photocheck": "2/600"}
    _ok, jpeg = cv2.imencode(".jpg", photo())
    answers = [
        client.post("/online/fotopruefung", {"photo": SimpleUploadedFile("me.jpg", jpeg.tobytes(), "image/jpeg")})
        for _ in range(3)
    ]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert int(answers[-1]["Retry-After"]) > 0
    assert "Zu viele Anfragen" in answers[-1].content.decode()
