"""Colour distances as different readers see them: CIEDE2000 in colour, grayscale and
simulated deuteranopia / protanopia.

Used by the tests to check that every pair of legend entries stays apart (ΔE2000 >= 10) for
every reader, and by :mod:`geo4mi.classify` to pick its palettes. Plain numpy, no colour
library:

* sRGB <-> linear RGB and CIE L*a*b* (D65), as in IEC 61966-2-1 and CIE 15;
* CIEDE2000 after Sharma, Wu & Dalal (2005), whose test pairs the doctests use;
* colour-vision deficiency by the matrices of Machado, Oliveira & Fernandes (2009) at
  severity 1.0, applied to linear RGB;
* grayscale as the relative luminance Y of the colour (what a grayscale print keeps).

A patterned swatch (hatching, dots) is seen from reading distance as the area-weighted mean
of its colours in linear RGB (:func:`mix`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Machado et al. (2009), severity 1.0, on linear RGB.
MACHADO = {
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
}
VISIONS = ("colour", "grayscale", "deuteranopia", "protanopia")
_SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                         [0.2126729, 0.7151522, 0.0721750],
                         [0.0193339, 0.1191920, 0.9503041]])
_WHITE = np.array([0.95047, 1.0, 1.08883])


def hex_to_linear(colour: str) -> np.ndarray:
    """Linear RGB (0..1) of a ``#rrggbb`` colour.

    Examples
    --------
    >>> hex_to_linear("#ffffff").tolist()
    [1.0, 1.0, 1.0]
    """
    s = colour.lstrip("#")
    rgb = np.array([int(s[i:i + 2], 16) for i in (0, 2, 4)], dtype=float) / 255
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)


def linear_to_hex(rgb: Sequence[float]) -> str:
    """``#rrggbb`` of a linear RGB colour (clipped to 0..1).

    Examples
    --------
    >>> linear_to_hex(hex_to_linear("#7a7a7a"))
    '#7a7a7a'
    """
    c = np.clip(np.asarray(rgb, dtype=float), 0, 1)
    s = np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)
    return "#" + "".join(f"{round(v * 255):02x}" for v in s.tolist())


def mix(parts: Sequence[tuple[str, float]]) -> np.ndarray:
    """Linear RGB seen from afar of a swatch made of ``(colour, share of area)`` parts.

    Also an opaque fill over a background: ``mix([(fill, a), (ground, 1 - a)])``.

    Examples
    --------
    >>> linear_to_hex(mix([("#000000", 0.5), ("#ffffff", 0.5)]))
    '#bcbcbc'
    """
    total = sum(w for _, w in parts)
    return np.asarray(sum(hex_to_linear(c) * w for c, w in parts) / total)


def seen_by(rgb: np.ndarray, vision: str) -> np.ndarray:
    """Linear RGB as seen by a reader (:data:`VISIONS`)."""
    if vision == "colour":
        return np.asarray(rgb, dtype=float)
    if vision == "grayscale":
        y = float(_SRGB_TO_XYZ[1] @ rgb)
        return np.array([y, y, y])
    if vision in MACHADO:
        return np.clip(MACHADO[vision] @ rgb, 0, 1)
    raise ValueError(f"vision {vision!r} is unknown; use one of {', '.join(VISIONS)}")


def lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear RGB colour.

    Examples
    --------
    >>> [round(float(v), 1) + 0 for v in lab(hex_to_linear("#808080"))]
    [53.6, 0.0, 0.0]
    """
    xyz = (_SRGB_TO_XYZ @ np.asarray(rgb, dtype=float)) / _WHITE
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def ciede2000(lab1: Sequence[float] | np.ndarray, lab2: Sequence[float] | np.ndarray) -> float:
    """CIEDE2000 colour difference (kL = kC = kH = 1).

    Examples
    --------
    Pairs 1 and 17 of Sharma, Wu & Dalal's test data:

    >>> round(ciede2000([50, 2.6772, -79.7751], [50, 0, -82.7485]), 4)
    2.0425
    >>> round(ciede2000([50, 2.5, 0], [73, 25, -18]), 4)
    27.1492
    """
    L1, a1, b1 = (float(v) for v in lab1)
    L2, a2, b2 = (float(v) for v in lab2)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar ** 7 / (c_bar ** 7 + 25 ** 7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360 if c2p else 0.0
    dLp, dCp = L2 - L1, c2p - c1p
    dh = h2p - h1p
    if c1p * c2p == 0:
        dh = 0.0
    elif dh > 180:
        dh -= 360
    elif dh < -180:
        dh += 360
    dHp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2))
    Lbp, Cbp = (L1 + L2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        hbp = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        hbp = (h1p + h2p) / 2
    elif h1p + h2p < 360:
        hbp = (h1p + h2p + 360) / 2
    else:
        hbp = (h1p + h2p - 360) / 2
    t = (1 - 0.17 * np.cos(np.radians(hbp - 30)) + 0.24 * np.cos(np.radians(2 * hbp))
         + 0.32 * np.cos(np.radians(3 * hbp + 6)) - 0.20 * np.cos(np.radians(4 * hbp - 63)))
    d_theta = 30 * np.exp(-(((hbp - 275) / 25) ** 2))
    rc = 2 * np.sqrt(Cbp ** 7 / (Cbp ** 7 + 25 ** 7))
    sl = 1 + 0.015 * (Lbp - 50) ** 2 / np.sqrt(20 + (Lbp - 50) ** 2)
    sc = 1 + 0.045 * Cbp
    sh = 1 + 0.015 * Cbp * t
    rt = -np.sin(np.radians(2 * d_theta)) * rc
    return float(np.sqrt((dLp / sl) ** 2 + (dCp / sc) ** 2 + (dHp / sh) ** 2
                         + rt * (dCp / sc) * (dHp / sh)))


def delta_e(rgb1: np.ndarray, rgb2: np.ndarray, vision: str = "colour") -> float:
    """ΔE2000 between two linear RGB colours as a reader sees them.

    Examples
    --------
    An orange and an olive green: far apart in colour, nearly one colour under deuteranopia.

    >>> orange, olive = hex_to_linear("#cc6600"), hex_to_linear("#669900")
    >>> [round(delta_e(orange, olive, v), 1) for v in VISIONS]
    [43.5, 3.1, 1.9, 9.8]
    """
    return ciede2000(lab(seen_by(rgb1, vision)), lab(seen_by(rgb2, vision)))


def closest_pairs(entries: dict[str, np.ndarray], *,
                  visions: Sequence[str] = VISIONS) -> list[tuple[float, str, str, str]]:
    """Every pair of entries in every vision as ``(ΔE, vision, a, b)``, closest first.

    Examples
    --------
    >>> pairs = closest_pairs({"white": hex_to_linear("#ffffff"),
    ...                        "black": hex_to_linear("#000000")})
    >>> [(round(d), vision) for d, vision, a, b in pairs if vision == "grayscale"]
    [(100, 'grayscale')]
    """
    names = list(entries)
    out = [(delta_e(entries[a], entries[b], v), v, a, b)
           for v in visions for i, a in enumerate(names) for b in names[i + 1:]]
    return sorted(out, key=lambda r: (r[0], VISIONS.index(r[1]), r[2], r[3]))
