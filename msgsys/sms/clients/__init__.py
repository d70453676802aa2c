"""SMS provider clients behind one base class, chosen by MSGSYS_SMS_BACKEND through the CLIENTS registry."""
from __future__ import annotations

from msgsys.sms.clients.base import PermanentError, RetryableError, SendResult, SentMessage, SmsClient, SmsError
from msgsys.sms.clients.sandbox import SandboxClient
from msgsys.sms.clients.twilio import TwilioClient

CLIENTS: dict[str, type[SmsClient]] = {"sandbox": SandboxClient, "twilio": TwilioClient}

__all__ = [
    "CLIENTS",
    "PermanentError",
    "RetryableError",
    "SandboxClient",
    "SendResult",
    "SentMessage",
    "SmsClient",
    "SmsError",
    "TwilioClient",
    "make_client",
]


def make_client(settings) -> SmsClient:
    """The client MSGSYS_SMS_BACKEND names, built from the settings (Twilio credentials and API base)."""
    if settings.sms_backend == "twilio":
        return TwilioClient(
            account_sid=settings.twilio_account_sid,
            auth_token=settings.twilio_auth_token,
            api_base=settings.twilio_api_base,
        )
    return CLIENTS[settings.sms_backend]()
