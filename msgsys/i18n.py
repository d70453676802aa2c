"""UI language: which locale a request gets, and gettext with the K'iche' → Spanish fallback."""
from __future__ import annotations

from babel import support
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale

from msgsys.locales import DEFAULT_LOCALE, LOCALES, chain

LANG_COOKIE = "lang"


class ChainDomain(Domain):
    """A gettext domain whose catalogs fall back along the locale chain.

    A K'iche' page must show Spanish, not English, for a string without a reviewed K'iche'
    translation; fuzzy (draft) entries are never compiled, so they fall through to Spanish.
    """

    def get_translations(self):
        """The locale's catalog with the rest of its chain as fallbacks."""
        from flask_babel import _get_current_context

        ctx = _get_current_context()
        if ctx is None:
            return support.NullTranslations()
        locale = str(get_locale())
        cache = self.get_translations_cache(ctx)
        key = (locale, self.domain[0])
        if key not in cache:
            translations = None
            for code in chain(locale):
                if code == DEFAULT_LOCALE:
                    break  # msgids are English already
                catalog = support.Translations()
                for dirname in self.translation_directories:
                    loaded = support.Translations.load(dirname, [code], self.domain[0])
                    catalog.merge(loaded)
                    if hasattr(loaded, "plural"):
                        catalog.plural = loaded.plural
                if translations is None:
                    translations = catalog
                else:
                    translations.add_fallback(catalog)
            cache[key] = translations or support.NullTranslations()
        return cache[key]


def select_locale() -> str:
    """Locale for this request: the URL's, then the user's choice, then the browser's, then English."""
    forced = g.get("locale")
    if forced in LOCALES:
        return forced
    if not has_request_context():
        return DEFAULT_LOCALE
    chosen = request.args.get("lang") or request.cookies.get(LANG_COOKIE)
    if chosen in LOCALES:
        return chosen
    return request.accept_languages.best_match(LOCALES) or DEFAULT_LOCALE


def init_app(app: Flask) -> Babel:
    """Configure Flask-Babel with the chained domain and top-level translations/."""
    babel = Babel(app, locale_selector=select_locale)
    babel.domain_instance = ChainDomain()

    @app.after_request
    def _remember_choice(response):
        # An explicit ?lang= choice sticks for later visits.
        chosen = request.args.get("lang")
        if chosen in LOCALES and request.cookies.get(LANG_COOKIE) != chosen:
            response.set_cookie(LANG_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
        return response

    return babel


def fill_source_catalog(path: str) -> int:
    """Make the English UI catalog complete: msgstr = msgid (English is the source). Returns entries filled."""
    from babel.messages.pofile import read_po, write_po

    with open(path, "rb") as fh:
        catalog = read_po(fh, locale="en")
    filled = 0
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, (tuple, list)):  # plural: singular and plural forms as written
            if not all(message.string or ()):
                message.string = tuple(message.id[:2])
                filled += 1
        elif not message.string:
            message.string = message.id
            filled += 1
        message.flags.discard("fuzzy")
    with open(path, "wb") as fh:
        write_po(fh, catalog, width=100)
    return filled
