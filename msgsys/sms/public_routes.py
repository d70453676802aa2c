"""`/<locale>/subscribe`: the public site's SMS subscribe form, on the public blueprint (its look, its languages).

No JavaScript. The consent text is shown in the page's language and stored exactly as shown. A new number (or one
still waiting to confirm) gets a text asking to confirm with YES / SI through the configured SMS backend; the page
then says the same whatever the number's state, so the form reveals to nobody whether a number is subscribed.
Rate-limited per address and per number (each accepted post may text someone).
"""
from __future__ import annotations

from flask import Flask, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from msgsys import db
from msgsys.clock import now
from msgsys.errors import ValidationError
from msgsys.form_posts import run_form
from msgsys.locales import DEFAULT_LOCALE, chain
from msgsys.public import service as public
from msgsys.public.blueprint import LOCALE_ANY, bp
from msgsys.sms import service
from msgsys.sms.forms import SubscribeForm

# The consent a person gives by sending the form: shown on the form in the page's language, and stored as it was shown.
CONSENT_TEXT = _l("By sending this form you ask to receive official information on migration by SMS at this number, in "
                  "the language you chose. We will first send a text asking you to confirm: nothing else is sent until "
                  "you reply YES (SI in Spanish). Reply STOP at any time to stop, and HELP for help. We use your number "
                  "only to send these messages, and we erase it if you ask us to. Your operator may charge for messages.")
ADDRESS_LIMIT = "10 per hour"  # posts from one address (SUBSCRIBE_LIMIT_ADDRESS)
NUMBER_LIMIT = "3 per day"  # accepted posts for one number, each of which may text it (SUBSCRIBE_LIMIT_NUMBER)


@bp.route(f"/<any({LOCALE_ANY}):locale>/subscribe", methods=["GET", "POST"])
def subscribe():
    """The subscribe form; after a post, the same neutral page whatever the number's state."""
    form = SubscribeForm(data=None if request.method == "POST" else {"language": g.locale})
    consent = str(CONSENT_TEXT)
    posted = run_form(form, lambda s: service.web_subscribe(s, number=form.phone.data or "", locale=form.language.data,
                                                            consent_text=consent, shown_in=shown_language(consent), now=now()))
    if posted.done:
        if posted.result is not None:  # outside the transaction: a provider call never holds the database
            service.send_confirmation(sms_client(), number=posted.result.phone, locale=posted.result.locale,
                                      sender=current_app.config["MSGSYS"].sms_sender or "msgsys")
        return redirect(url_for("public.subscribe_sent"), 303)
    html = render_template("public/subscribe.html", form=form, consent=consent, sent=False,
                           advisory=public.active_advisory(db.session(), locale=g.locale))
    return _private(html, posted.status)


@bp.get(f"/<any({LOCALE_ANY}):locale>/subscribe/sent")
def subscribe_sent():
    """What happens next, said the same way for every number."""
    html = render_template("public/subscribe.html", form=None, consent=None, sent=True,
                           advisory=public.active_advisory(db.session(), locale=g.locale))
    return _private(html, 200)


def shown_language(consent: str) -> str:
    """The language the consent text was shown in: the page's, or the one it fell back to where the page's has no
    translation yet (K'iche' to Spanish; English, the language the text is written in, for any)."""
    with force_locale(DEFAULT_LOCALE):
        if str(CONSENT_TEXT) == consent:
            return DEFAULT_LOCALE
    shown = g.locale
    for code in chain(g.locale)[1:]:
        if code == DEFAULT_LOCALE:
            break
        with force_locale(code):
            if str(CONSENT_TEXT) != consent:
                break
        shown = code
    return shown


def _private(html: str, status: int):
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"  # a form with this visitor's CSRF token; never cached or shared
    return response


def sms_client():
    """The SMS backend MSGSYS_SMS_BACKEND chooses; an embedder or a test may set its own in app.extensions."""
    from msgsys.sms.clients import make_client

    return current_app.extensions.get("msgsys.sms_client") or make_client(current_app.config["MSGSYS"])


def _number_key() -> str:
    """The number posted, as E.164 when it reads as one, so every way of writing it shares one limit."""
    raw = (request.form.get("phone") or "")[:40]
    try:
        return "subscribe-number:" + service.parse_number(raw)[0]
    except ValidationError:
        return "subscribe-number:" + raw.strip()


def _accepted(response) -> bool:
    return response.status_code == 303


def init_app(app: Flask) -> None:
    """Put the form behind the app's rate limiter (set up with the sign-in form, msgsys.auth.routes)."""
    limiter = app.extensions["msgsys.limiter"]
    limited = limiter.limit(app.config.get("SUBSCRIBE_LIMIT_ADDRESS", ADDRESS_LIMIT), methods=["POST"])(subscribe)
    limited = limiter.limit(app.config.get("SUBSCRIBE_LIMIT_NUMBER", NUMBER_LIMIT), key_func=_number_key, methods=["POST"],
                            deduct_when=_accepted)(limited)
    app.view_functions["public.subscribe"] = limited
