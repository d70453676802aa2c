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

# CLDR calls K'iche' "quiché" in Spanish and spells it with U+02BC in English; the people who speak it write
# K'iche' (lower case in Spanish running text, as Spanish writes every language's name).
_NAMES = {("quc", "en"): "K'iche'", ("quc", "es"): "k'iche'"}

# The interface in K'iche' falls back to Spanish strings (msgsys.i18n), so the names it shows are Spanish ones.
_NAMES_LOCALE = {"quc": "es"}


def is_locale(code: str) -> bool:
    """True for a locale msgsys supports."""
    return code in LOCALES


def chain(code: str) -> tuple[str, ...]:
    """The fallback chain for a locale, starting with itself."""
    return FALLBACK.get(code, (code, *FALLBACK[DEFAULT_LOCALE]))


def native_name(code: str) -> str:
    """The locale's name in its own language (the language picker: each name marked with its lang)."""
    return _NATIVE_NAMES[code]


def display_name(code: str, in_locale: str, *, start: bool = False) -> str:
    """The locale's name in another locale's language, as that language writes it in running text.

    "Spanish" in English, "español" in Spanish (lower case); `start` capitalises it for the start of a sentence
    or a label standing alone. A code CLDR does not know comes back as it is.
    """
    ui = _NAMES_LOCALE.get(in_locale, in_locale)
    name = _NAMES.get((code, ui))
    if name is None:
        try:
            name = Locale.parse(code).get_language_name(ui)
        except Exception:  # unknown to CLDR (or not a locale code at all)
            name = None
    name = name or _NATIVE_NAMES.get(code)
    if name is None:
        return code
    return name[:1].upper() + name[1:] if start else name


def language_name(code: str | None, *, start: bool = False) -> str:
    """The locale's name in the interface's current language (English outside a request)."""
    from flask_babel import get_locale

    ui = get_locale()
    return display_name(code or "", str(ui) if ui else DEFAULT_LOCALE, start=start)


def lazy_language_name(code: str):
    """language_name(code, start=True), read when shown: for form choices built once at import."""
    from flask_babel import LazyString

    return LazyString(lambda: language_name(code, start=True))


def parse_locales(value: str | None) -> tuple[str, ...]:
    """Parse "es,quc" into a tuple, refusing unknown codes with a clear message."""
    codes = tuple(c.strip() for c in (value or "").replace(" ", ",").split(",") if c.strip())
    unknown = [c for c in codes if c not in LOCALES]
    if unknown:
        raise ValueError(f"unknown locale(s): {', '.join(unknown)} (known: {', '.join(LOCALES)})")
    return tuple(dict.fromkeys(codes))
