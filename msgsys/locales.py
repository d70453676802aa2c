"""The locales msgsys speaks, their names and the fallback chain every channel uses."""
from __future__ import annotations

from babel import Locale

LOCALES: tuple[str, ...] = ("en", "es", "quc")
DEFAULT_LOCALE = "en"

# A recipient's language falls back along this chain to the first locale with approved text.
FALLBACK: dict[str, tuple[str, ...]] = {
    "quc": ("quc", "es", "en"),
    "es": ("es", "en"),
    "en": ("en", "es"),
}

# Babel's CLDR data for K'iche' is thin; its own name is kept here rather than trusted from CLDR.
_NATIVE_NAMES = {"en": "English", "es": "Español", "quc": "K'iche'"}


def is_locale(code: str) -> bool:
    """True for a locale msgsys supports."""
    return code in LOCALES


def chain(code: str) -> tuple[str, ...]:
    """The fallback chain for a locale, starting with itself."""
    return FALLBACK.get(code, (code, *FALLBACK[DEFAULT_LOCALE]))


def native_name(code: str) -> str:
    """The locale's name in its own language."""
    return _NATIVE_NAMES[code]


def display_name(code: str, in_locale: str) -> str:
    """The locale's name in another locale's language, via Babel where CLDR knows it."""
    try:
        name = Locale.parse(code).get_display_name(in_locale if in_locale != "quc" else "es")
    except Exception:  # unknown to CLDR: fall back to the native name
        name = None
    return name[:1].upper() + name[1:] if name else native_name(code)


def parse_locales(value: str | None) -> tuple[str, ...]:
    """Parse "es,quc" into a tuple, refusing unknown codes with a clear message."""
    codes = tuple(c.strip() for c in (value or "").replace(" ", ",").split(",") if c.strip())
    unknown = [c for c in codes if c not in LOCALES]
    if unknown:
        raise ValueError(f"unknown locale(s): {', '.join(unknown)} (known: {', '.join(LOCALES)})")
    return tuple(dict.fromkeys(codes))
