"""Make untrusted strings (metadata values, OCR text) safe to print and store."""

from __future__ import annotations

import unicodedata

MAX_TEXT = 200


def clean_text(value: object, max_len: int = MAX_TEXT) -> str:
    """Drop control and format characters (terminal escapes, bidi overrides), collapse whitespace, cap length."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    text = str(value)
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in "\t\n\r":
            kept.append(" ")
        elif category[0] == "C":  # Cc control, Cf format (bidi), Cs, Co, Cn
            continue
        else:
            kept.append(char)
    cleaned = " ".join("".join(kept).split())
    return cleaned if len(cleaned) <= max_len else cleaned[: max_len - 1] + "…"
