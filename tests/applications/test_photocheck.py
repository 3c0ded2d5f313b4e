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
