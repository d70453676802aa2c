"""What a texted-in message gets back: the reply's text in the recipient's language, prepared for SMS, as TwiML.

The latest notice (NEWS, NOTICIAS) is the newest published advisory that goes out by SMS, in the text the one
readers' rule (msgsys.translation.readers) gives a reader of that language: its own approved translation, or the
nearest one along the language's chain. Every reply is folded for GSM-7 as any SMS is (msgsys.sms.encoding);
accents stay, and cost what they cost.
"""
from __future__ import annotations

from sqlalchemy import or_
from sqlmodel import Session, col, select
from twilio.twiml.messaging_response import MessagingResponse

from msgsys.clock import now
from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.public.service import started
from msgsys.sms import service
from msgsys.sms.encoding import prepare_sms_text
from msgsys.translation.readers import Resolved, resolve


def latest_notice(session: Session, *, locale: str) -> Resolved | None:
    """The newest published advisory sent by SMS, resolved for a reader of `locale`, with SMS text; None when none is."""
    query = (
        select(MessageVersion)
        .join(Message, Message.id == MessageVersion.message_id)
        .join(Campaign, Campaign.id == Message.campaign_id)
        # Only a message approved for the SMS channel: its SMS text passed the policy checks for SMS.
        .where(MessageVersion.state == "published", Message.kind == "advisory", col(Message.channels).contains("sms"),
               started(), or_(col(MessageVersion.expires_at).is_(None), col(MessageVersion.expires_at) > now()))
        .order_by(col(MessageVersion.published_at).desc(), col(MessageVersion.id).desc())
    )
    for version in session.exec(query):
        text = resolve(session, version=version, locale=locale)
        if text is not None and text.sms_text.strip():
            return text
    return None


def reply_for(session: Session, result: service.InboundResult) -> str | None:
    """The text to send back for one handled inbound SMS, ready for SMS; None for silence."""
    if result.reply is None:
        return None
    locale = result.locale
    if result.reply == service.LATEST:
        notice = latest_notice(session, locale=locale)
        if notice is None:
            return prepare_sms_text(service.reply_text("no_notice", locale, site=service._site()), locale)
        return prepare_sms_text(notice.sms_text, notice.locale)
    return prepare_sms_text(service.reply_text(result.reply, locale, **result.params), locale)


def twiml(text: str | None) -> str:
    """A TwiML messaging response: one message with `text`, or an empty <Response/> when there is nothing to say."""
    response = MessagingResponse()
    if text:
        response.message(text)
    return str(response)
