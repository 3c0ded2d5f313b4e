"""Benchmark: photo pre-check per photo (decode + all rules), median over synthetic 827×1063 JPEG photos.

Run: .venv/bin/python -m bench.photocheck   (target: median ≤ 200 ms per photo; docs/benchmarks.md)
The baseline in the same run is decoding the same JPEG alone, so the ratio is stable across machines.
"""

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")

import cv2
import django
import numpy as np

django.setup()

from tests.applications.photos import photo  # noqa: E402

from buergerbuero.applications import photocheck, uploads  # noqa: E402

VARIANTS: list[dict[str, Any]] = [
    {},
    {"head": 0.6},
    {"head": 0.9},
    {"rotate": 8},
    {"shift": 0.1},
    {"background": 110},
    {"blur": 5},
]


def _decoded(data: bytes) -> np.ndarray:
    image = uploads.decode(data)
    assert image is not None  # the JPEGs made above
    return image


def main(rounds: int = 5) -> None:
    jpegs = []
    for seed in range(3):
        for variant in VARIANTS:
            ok, encoded = cv2.imencode(".jpg", photo(seed=seed, **variant), [cv2.IMWRITE_JPEG_QUALITY, 90])
            assert ok
            jpegs.append(encoded.tobytes())
    photocheck.check(_decoded(jpegs[0]))  # load the cascades once
    checks, decodes = [], []
    for _ in range(rounds):
        for data in jpegs:
            t0 = time.perf_counter()
            uploads.decode(data)
            t1 = time.perf_counter()
            photocheck.check(_decoded(data))
            t2 = time.perf_counter()
            decodes.append(t1 - t0)
            checks.append(t2 - t1)
    check_ms, decode_ms = statistics.median(checks) * 1000, statistics.median(decodes) * 1000
    p95 = sorted(checks)[int(len(checks) * 0.95)] * 1000
    print(f"photos: {len(checks)} ({len(jpegs)} distinct, 827x1063 JPEG)")
    print(f"photo pre-check (decode + rules): median {check_ms:.1f} ms, p95 {p95:.1f} ms")
    print(f"baseline JPEG decode alone:       median {decode_ms:.1f} ms")
    verdict = "OK" if check_ms <= 200 else "MISSED"
    print(f"ratio check/decode: {check_ms / decode_ms:.1f}x   target median <= 200 ms: {verdict}")


if __name__ == "__main__":
    main()
