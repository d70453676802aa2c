"""The public website: tiny pages per locale, no JavaScript, cacheable."""
from __future__ import annotations

from flask import Flask, abort, g, redirect, render_template, request, url_for

from msgsys import db
from msgsys.content.markup import render_markdown
from msgsys.locales import LOCALES, native_name
from msgsys.public import service
from msgsys.public.blueprint import LOCALE_ANY, bp

KIND_ORDER = ("advisory", "counter_rumor", "pathway", "info")


@bp.url_value_preprocessor
def _locale_from_url(_endpoint, values):
    if values is not None and "locale" in values:
        if values["locale"] not in LOCALES:
            abort(404)
        g.locale = values.pop("locale")


@bp.url_defaults
def _keep_locale(endpoint, values):
    if "locale" not in values and g.get("locale"):
        values["locale"] = g.locale


@bp.get("/")
def root():
    """Send the reader to their language's home page."""
    best = request.args.get("lang") if request.args.get("lang") in LOCALES else request.accept_languages.best_match(LOCALES) or "es"
    return redirect(url_for("public.home", locale=best))


@bp.get("/favicon.ico")
def favicon():
    """No icon: an empty answer browsers cache, instead of a redirect and a 404 on every page."""
    return "", 204, {"Cache-Control": "public, max-age=86400"}


@bp.get(f"/<any({LOCALE_ANY}):locale>/")
def home():
    """All published notices, grouped by kind, with the active advisory first."""
    notices = service.notices(db.session(), locale=g.locale)
    groups = {kind: [n for n in notices if n.message.kind == kind] for kind in KIND_ORDER}
    return _cached(render_template("public/home.html", groups=groups, advisory=service.active_advisory(db.session(), locale=g.locale)))


@bp.get(f"/<any({LOCALE_ANY}):locale>/n/<id:message_id>")
def notice(message_id: int):
    """One notice, saying which language it is shown in when the reader's is not available."""
    item = service.notice(db.session(), message_id=message_id, locale=g.locale)
    response = _cached(render_template("public/notice.html", item=item, body=render_markdown(item.text.body),
                                       advisory=service.active_advisory(db.session(), locale=g.locale)))
    response.headers["Content-Language"] = item.text.locale  # the language actually served, after any fallback
    return response


def _cached(html: str):
    from flask import make_response

    response = make_response(html)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.headers["Vary"] = "Accept-Language, Cookie"
    return response


def init_app(app: Flask) -> None:
    """Register the public site and its helpers."""
    from msgsys.sms import public_routes  # noqa: F401  (/<locale>/subscribe joins this blueprint before it is registered)

    app.register_blueprint(bp)
    app.jinja_env.globals["native_name"] = native_name
