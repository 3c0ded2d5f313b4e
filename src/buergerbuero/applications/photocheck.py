"""Photo pre-check for uploaded biometric photos (offline, OpenCV's bundled Haar cascades).

Pure (no ORM). It catches the usual reasons a photo is rejected at the counter before the citizen comes in;
it is a pre-check, not the certified biometric check of the ID-card system. Rules (domain.md, ICAO/PAuswV):
35×45 mm, head (chin to crown) 70–80 % of the height (32–36 mm), eyes 22–32 mm above the bottom edge and
level, plain light background, sharp. Detection runs on a copy scaled to DETECT_WIDTH pixels.
"""

import math
from dataclasses import dataclass

import cv2
import numpy as np
from django.utils.translation import gettext as _

RATIO = 35 / 45
RATIO_TOLERANCE = 0.02
MIN_WIDTH, MIN_HEIGHT = 413, 531  # 35 × 45 mm at 300 dpi
HEAD_MIN, HEAD_MAX = 0.70, 0.80
EYES_MIN, EYES_MAX = 22 / 45, 32 / 45  # height of the eye line above the bottom edge
MAX_TILT_DEGREES = 4.0
BACKGROUND_MIN_BRIGHTNESS = 160
BACKGROUND_MAX_SPREAD = 18.0
MIN_SHARPNESS = 12.0
DETECT_WIDTH = 350
# A passport photo needs about 1 MP (413 × 531 at 300 dpi, 4 × that at 600 dpi): more is refused from the header
# before decoding, so an anonymous upload cannot make the server decode a huge picture.
MAX_PIXELS = 12_000_000

_cascades: dict[str, cv2.CascadeClassifier] = {}


def _cascade(name: str) -> cv2.CascadeClassifier:
    if name not in _cascades:
        # opencv's bundled stubs leave out the cv2.data module (the path of the shipped cascade files)
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)  # type: ignore[attr-defined]
        if classifier.empty():
            raise RuntimeError(f"OpenCV cascade {name} missing (opencv-python-headless<5 ships them)")
        _cascades[name] = classifier
    return _cascades[name]


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class Result:
    findings: tuple[Finding, ...]
    measurements: dict

    @property
    def ok(self) -> bool:
        return not self.findings


def check(image: np.ndarray) -> Result:
    """All findings for one BGR picture (empty = passes the pre-check)."""
    findings: list[Finding] = []
    height, width = image.shape[:2]
    measured: dict = {"width": width, "height": height}
    ratio = width / height
    measured["ratio"] = round(ratio, 4)
    if abs(ratio - RATIO) > RATIO_TOLERANCE * RATIO:
        findings.append(
            Finding("ratio", _("Das Seitenverhältnis stimmt nicht: Das Foto muss 35 mm breit und 45 mm hoch sein."))
        )
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        findings.append(
            Finding(
                "resolution",
                _("Die Auflösung ist zu gering: mindestens %(w)d × %(h)d Bildpunkte.")
                % {"w": MIN_WIDTH, "h": MIN_HEIGHT},
            )
        )
    scale = DETECT_WIDTH / width
    small = cv2.resize(image, (DETECT_WIDTH, max(1, round(height * scale))), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY)
    faces = _cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        cv2.equalizeHist(gray),
        scaleFactor=1.1,
        minNeighbors=5,
        # a passport photo's face is at least a third of the width; smaller faces are not looked for
        minSize=(DETECT_WIDTH // 3, DETECT_WIDTH // 3),
    )
    measured["faces"] = len(faces)
    if len(faces) == 0:
        findings.append(
            Finding("no_face", _("Es wurde kein Gesicht erkannt. Bitte schauen Sie frontal in die Kamera."))
        )
    elif len(faces) > 1:
        findings.append(Finding("faces", _("Auf dem Foto ist mehr als ein Gesicht zu sehen.")))
    face_box = tuple(int(v) for v in max(faces, key=lambda f: f[2] * f[3])) if len(faces) else None
    background = _background(gray, face_box)
    measured.update(background)
    if background["background_brightness"] < BACKGROUND_MIN_BRIGHTNESS:
        findings.append(
            Finding("background_dark", _("Der Hintergrund ist zu dunkel. Er muss hell und einfarbig sein."))
        )
    if background["background_spread"] > BACKGROUND_MAX_SPREAD:
        findings.append(
            Finding(
                "background_busy",
                _("Der Hintergrund ist nicht einfarbig. Bitte vor einer hellen, glatten Wand fotografieren."),
            )
        )
    if face_box is not None and len(faces) == 1:
        findings.extend(_face_geometry(gray, face_box, background["background_level"], measured))
        x, y, w, h = face_box
        sharpness = float(cv2.Laplacian(gray[y : y + h, x : x + w], cv2.CV_64F).var())
        measured["sharpness"] = round(sharpness, 1)
        if sharpness < MIN_SHARPNESS:
            findings.append(Finding("blurred", _("Das Foto ist unscharf.")))
    return Result(tuple(findings), measured)


def _background(gray: np.ndarray, face_box) -> dict:
    """Brightness and spread of the top corners (where only background may be)."""
    h, w = gray.shape
    band_h, band_w = max(2, h // 8), max(2, w // 6)
    corners = np.concatenate([gray[:band_h, :band_w].ravel(), gray[:band_h, w - band_w :].ravel()])
    return {
        "background_brightness": round(float(corners.mean()), 1),
        "background_spread": round(float(corners.std()), 1),
        "background_level": float(np.median(corners)),
    }


EYE_FACE_WIDTH = 180  # eyes are searched in the face scaled to this width (the cascade's sweet spot)


def _eyes(gray: np.ndarray, face_box) -> list[tuple[int, int, int, int]]:
    """The two eyes (image coordinates, one each side of the face centre), or [] if they cannot be seen.

    First OpenCV's eye cascade on the face scaled to a fixed width; if it finds no pair, the darkest spot on
    each side of the eye band (pupils and eye sockets are the darkest parts of a lit face), provided it
    stands out clearly from the skin."""
    x, y, w, h = face_box
    top = int(h * 0.15)
    region = gray[y + top : y + int(h * 0.6), x : x + w]
    k = EYE_FACE_WIDTH / w
    scaled = cv2.equalizeHist(
        cv2.resize(region, (EYE_FACE_WIDTH, max(1, round(region.shape[0] * k))), interpolation=cv2.INTER_LINEAR)
    )
    candidates = _cascade("haarcascade_eye.xml").detectMultiScale(
        scaled,
        scaleFactor=1.05,
        minNeighbors=3,
        minSize=(EYE_FACE_WIDTH // 10, EYE_FACE_WIDTH // 10),
        maxSize=(EYE_FACE_WIDTH // 3, EYE_FACE_WIDTH // 3),
    )
    left = [c for c in candidates if c[0] + c[2] / 2 < EYE_FACE_WIDTH / 2]
    right = [c for c in candidates if c[0] + c[2] / 2 >= EYE_FACE_WIDTH / 2]
    if left and right:
        pair = (max(left, key=lambda c: c[2] * c[3]), max(right, key=lambda c: c[2] * c[3]))
        return [(x + int(ex / k), y + top + int(ey / k), int(ew / k), int(eh / k)) for ex, ey, ew, eh in pair]
    return _dark_spots(gray, face_box)


def _dark_spots(gray: np.ndarray, face_box) -> list[tuple[int, int, int, int]]:
    x, y, w, h = face_box
    y0 = y + int(h * 0.28)
    band = gray[y0 : y + int(h * 0.55), x : x + w]
    if band.size == 0:
        return []
    band = cv2.GaussianBlur(band, (0, 0), max(1.0, w / 40))
    margin, gap = w // 8, w // 10
    spots = []
    for lo, hi in ((margin, w // 2 - gap), (w // 2 + gap, w - margin)):
        side = band[:, lo:hi]
        if side.size == 0:
            return []
        value, _max, (sx, sy), _maxloc = cv2.minMaxLoc(side)
        if float(np.median(band)) - value < 40:
            return []
        spots.append((x + lo + sx - 2, y0 + sy - 2, 4, 4))
    return spots


def _crown(gray: np.ndarray, face_box, background_level: float) -> int | None:
    """The top of the head (hair included): the first row above the face whose middle part differs from the
    background. None when the head already fills the top rows: it is cut off and cannot be measured."""
    x, y, w, _h = face_box
    columns = gray[: y + 1, x + w // 4 : x + 3 * w // 4].astype(np.int16)
    differs = np.abs(columns - background_level).mean(axis=1) > 25
    if differs[:CUT_ROWS].all():
        return None
    return int(np.argmax(differs)) if differs.any() else y


CUT_ROWS = 2  # head in the top rows of the detection copy (≈ 0.5 % of the height): cut off
CHIN_EDGE = 8.0  # grey levels per row in the detection copy: the jaw line against neck shadow or background


def _chin(gray: np.ndarray, face_box) -> int:
    """The chin: the first clear horizontal edge below the mouth in the middle of the face (skin against the
    shadow under the jaw, or against the background), at its steepest row. The Haar box ends around the mouth,
    so the chin is searched from 0.95 to 1.35 box heights below its top; without an edge, the box is scaled."""
    x, y, w, h = face_box
    h_img = gray.shape[0]
    profile = gray[:, x + 3 * w // 8 : x + 5 * w // 8].astype(np.float32).mean(axis=1)
    slope = np.diff(profile)
    start, end = y + round(0.95 * h), min(h_img - 1, y + round(1.35 * h))
    for row in range(start, end):
        if abs(slope[row]) >= CHIN_EDGE:
            sign, steepest = np.sign(slope[row]), row
            while row + 1 < end and np.sign(slope[row + 1]) == sign and abs(slope[row + 1]) >= CHIN_EDGE / 2:
                row += 1
                if abs(slope[row]) > abs(slope[steepest]):
                    steepest = row
            return steepest + 1
    return min(h_img, y + h + round(0.08 * h))


def _face_geometry(gray: np.ndarray, face_box, background_level: float, measured: dict) -> list[Finding]:
    findings = []
    h_img = gray.shape[0]
    crown, chin = _crown(gray, face_box, background_level), _chin(gray, face_box)
    measured["crown"], measured["chin"] = crown, chin
    head = (chin - (crown or 0)) / h_img
    measured["head_fraction"] = round(head, 3)
    if crown is None:  # not measurable: "too small" would say the opposite of the truth
        findings.append(
            Finding(
                "head_cut",
                _("Kopf oben angeschnitten: Über dem Scheitel muss noch etwas Hintergrund zu sehen sein."),
            )
        )
    elif head < HEAD_MIN:
        findings.append(
            Finding("head_small", _("Der Kopf ist zu klein: Kinn bis Scheitel müssen 70–80 % der Bildhöhe ausfüllen."))
        )
    elif head > HEAD_MAX:
        findings.append(
            Finding("head_large", _("Der Kopf ist zu groß: Kinn bis Scheitel müssen 70–80 % der Bildhöhe ausfüllen."))
        )
    eyes = _eyes(gray, face_box)
    if len(eyes) < 2:
        findings.append(
            Finding("eyes", _("Die Augen sind nicht deutlich zu erkennen (offen, unverdeckt, ohne Spiegelung)."))
        )
        return findings
    centres = sorted((ex + ew / 2, ey + eh / 2) for ex, ey, ew, eh in eyes)
    (lx, ly), (rx, ry) = centres
    tilt = math.degrees(math.atan2(ry - ly, rx - lx))
    line = float(1 - ((ly + ry) / 2) / h_img)
    measured["eye_tilt"] = round(tilt, 1)
    measured["eye_line"] = round(line, 3)
    if abs(tilt) > MAX_TILT_DEGREES:
        findings.append(
            Finding("tilt", _("Der Kopf ist geneigt: Die Augen müssen auf einer waagerechten Linie liegen."))
        )
    if not EYES_MIN <= line <= EYES_MAX:
        findings.append(
            Finding("eye_line", _("Die Augen liegen nicht in der richtigen Höhe (22–32 mm über dem unteren Bildrand)."))
        )
    return findings
