"""The logo of a vendor that has not uploaded one: its initials on a colour of its own."""

from __future__ import annotations

import hashlib
from xml.sax.saxutils import escape

# Dark enough for white text (WCAG AA at this size).
PALETTE = ("#1f4e79", "#2e6b3f", "#7a3b69", "#8a4b08", "#245d66", "#4a3f8c", "#6b2f2f")


def initials(name: str) -> str:
    """Two Latin initials ("Wattwise Energy" → "WE") or the first Chinese character."""
    words = [w for w in (name or "").split() if w[:1].isalnum()]
    if not words:
        return "?"
    first = words[0][0]
    if not first.isascii():
        return first
    letters = [w[0] for w in words[:2] if w[0].isascii()]
    return "".join(letters).upper() or first


def monogram_svg(name: str, seed: int) -> str:
    colour = PALETTE[int(hashlib.sha256(str(seed).encode()).hexdigest(), 16) % len(PALETTE)]
    text = escape(initials(name))
    size = 44 if len(text) > 1 else 56
    return (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 128 128" width="128" height="128"'
        ' role="img">'
        f'<rect width="128" height="128" rx="20" fill="{colour}"/>'
        f'<text x="64" y="64" dy="0.35em" text-anchor="middle" fill="#ffffff" font-size="{size}"'
        ' font-family="Noto Sans CJK SC, PingFang SC, Microsoft YaHei, Arial, sans-serif"'
        f' font-weight="600">{text}</text></svg>'
    )
