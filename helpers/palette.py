"""Colours for label names: fixed ones for the names the kit knows, distinct and stable ones for any other."""
from __future__ import annotations

import colorsys
import hashlib
from typing import Iterable, Mapping

# Light enough for black text on top, and none close to the kit's fixed colours.
PALETTE = ["#ffadad", "#fdffb6", "#9bf6ff", "#bdb2ff", "#ffc09f", "#d0f4de", "#e4c1f9", "#f1c0e8",
           "#b9fbc0", "#fbf8cc", "#cfbaf0", "#98f5e1"]


def _hue(position: float) -> str:
    r, g, b = colorsys.hls_to_rgb(position % 1.0, 0.82, 0.75)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def colour_map(names: Iterable[str], fixed: Mapping[str, str]) -> dict[str, str]:
    """A colour per name: `fixed` where it has one, else palette colours in sorted-name order, so the
    same set of names always gets the same, distinct colours (then evenly spread hues beyond the palette)."""
    names = list(dict.fromkeys(names))
    others = sorted(n for n in names if n not in fixed)
    spread = {n: PALETTE[i] if i < len(PALETTE) else _hue(i * 0.618034) for i, n in enumerate(others)}
    return {n: fixed.get(n) or spread[n] for n in names}


def colour_of(name: str, fixed: Mapping[str, str]) -> str:
    """One name's colour without knowing the others: fixed, or a hue from the name itself (stable, not
    guaranteed distinct; colour_map is, given all the names)."""
    if name in fixed:
        return fixed[name]
    return _hue(int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) / 2**32)
