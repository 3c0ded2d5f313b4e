"""Synthetic passport-style photos drawn at test time (no downloaded images): a shaded face that OpenCV's
Haar cascades detect, with knobs for every rule of the pre-check."""

import cv2
import numpy as np


def _draw_face(img: np.ndarray, cx: int, top: int, head_h: int) -> None:
    fw = int(head_h * 0.70)
    cy = top + head_h // 2
    cv2.ellipse(img, (cx, cy), (fw // 2 + 10, head_h // 2), 0, 0, 360, 50, -1)  # hair
    cv2.ellipse(img, (cx, cy + int(head_h * 0.08)), (fw // 2, int(head_h * 0.43)), 0, 0, 360, 170, -1)  # face
    ey, dx = top + int(head_h * 0.48), int(fw * 0.21)
    for sx in (-1, 1):
        ex = cx + sx * dx
        cv2.ellipse(img, (ex, ey), (int(fw * 0.14), int(head_h * 0.05)), 0, 0, 360, 110, -1)  # eye socket
        cv2.ellipse(img, (ex, ey), (int(fw * 0.09), int(head_h * 0.028)), 0, 0, 360, 215, -1)  # white of the eye
        cv2.circle(img, (ex, ey), int(head_h * 0.024), 25, -1)  # iris
        cv2.ellipse(img, (ex, ey - int(head_h * 0.06)), (int(fw * 0.14), int(head_h * 0.016)), 0, 0, 360, 55, -1)
    cv2.rectangle(
        img, (cx - int(fw * 0.05), ey - int(head_h * 0.05)), (cx + int(fw * 0.05), ey + int(head_h * 0.12)), 195, -1
    )
    cv2.ellipse(img, (cx, ey + int(head_h * 0.14)), (int(fw * 0.1), int(head_h * 0.025)), 0, 0, 360, 110, -1)
    cv2.ellipse(img, (cx, ey + int(head_h * 0.25)), (int(fw * 0.17), int(head_h * 0.03)), 0, 0, 360, 95, -1)


def photo(
    *,
    width: int = 827,
    height: int = 1063,
    head: float = 0.75,
    shift: float = 0.0,
    background: int = 230,
    busy: bool = False,
    faces: int = 1,
    rotate: float = 0.0,
    blur: float = 0.0,
    seed: int = 7,
) -> np.ndarray:
    """A BGR photo. `head` = chin-to-crown share of the height, `shift` moves the face down (share of height)."""
    rng = np.random.default_rng(seed)
    img = np.full((height, width), background, np.float32)
    if busy:
        for i in range(0, width, 40):
            img[:, i : i + 20] = 90
    head_h = int(height * head)
    top = int(height * 0.5 - head_h * 0.5) + int(height * 0.02) + int(height * shift)
    if faces == 1:
        _draw_face(img, width // 2, top, head_h)
    else:
        for k in range(faces):
            _draw_face(img, int(width * (k + 0.5) / faces), int(height * 0.3), int(height * 0.4))
    blurred = np.asarray(cv2.GaussianBlur(img, (0, 0), 3), dtype=np.float32)  # (float32 in, float32 out)
    blurred += rng.normal(0, 5, blurred.shape)
    gray: np.ndarray = np.clip(blurred, 0, 255).astype(np.uint8)
    if rotate:
        matrix = cv2.getRotationMatrix2D((width / 2, height / 2), rotate, 1.0)
        gray = cv2.warpAffine(gray, matrix, (width, height), borderValue=background)
    if blur:
        gray = cv2.GaussianBlur(gray, (0, 0), blur)
    return cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
