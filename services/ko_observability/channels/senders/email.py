"""Email over SMTP: plain, STARTTLS or implicit TLS, with login when a username is set.

TLS always verifies the server's certificate and name, against the system's CAs or the channel's
own CA (``ca_certificate``, for a site's private CA). A password is never sent over a plain
connection. The answer is the server's reply to the message (``250 ...``), or the reply that
refused it; 4xx replies and lost connections are retried, 5xx are not.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate, make_msgid
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, Field, SecretStr, model_validator

from ko_observability.channels.senders.base import Answer, KindConfig, SendContext
from ko_observability.channels.templates import Rendered

DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}


def _check_address(value: str) -> str:
    local, at, domain = value.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() or c in "<>,;" for c in value):
        raise ValueError(f"{value!r} is not an email address such as ops@example.com")
    return value


def _check_ca(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        ssl.create_default_context(cadata=value)
    except (ssl.SSLError, ValueError) as exc:
        raise ValueError("is not a PEM certificate: paste the CA's -----BEGIN CERTIFICATE----- block") from exc
    return value


Address = Annotated[str, Field(max_length=254), AfterValidator(_check_address)]


class EmailConfig(KindConfig):
    secret_fields: ClassVar[tuple[str, ...]] = ("password",)

    host: str = Field(min_length=1, max_length=253, pattern=r"^[A-Za-z0-9.:\-\[\]]+$", description="SMTP server.")
    port: int | None = Field(None, ge=1, le=65535, description="Default: 25, 587 (starttls) or 465 (tls).")
    security: Literal["none", "starttls", "tls"] = "starttls"
    username: str | None = Field(None, min_length=1, max_length=255)
    password: SecretStr | None = Field(None, max_length=1024)
    from_address: Address
    to: list[Address] = Field(min_length=1, max_length=50, description="Recipients (at least one).")
    ca_certificate: Annotated[str | None, AfterValidator(_check_ca)] = Field(
        None, max_length=65536, description="PEM CA certificate(s) to trust instead of the system's."
    )

    @model_validator(mode="after")
    def _login_over_tls(self) -> EmailConfig:
        if self.password is not None and self.username is None:
            raise ValueError("username: required when a password is set")
        if self.username is not None and self.password is None:
            raise ValueError("password: required when a username is set")
        if self.password is not None and self.security == "none":
            raise ValueError("security: a password is only sent over starttls or tls: choose one of them")
        return self


class EmailSender:
    kind = "email"
    config_model: type[KindConfig] = EmailConfig
    default_rate_per_minute = 30
    max_text_bytes: int | None = None

    async def send(self, config: EmailConfig, message: Rendered, ctx: SendContext) -> Answer:
        mail = EmailMessage()
        mail["Subject"] = message.title
        mail["From"] = config.from_address
        mail["To"] = ", ".join(config.to)
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(domain=config.from_address.rpartition("@")[2])
        mail.set_content(message.text)
        return await asyncio.to_thread(_deliver, config, mail, ctx.timeout)


def _deliver(config: EmailConfig, mail: EmailMessage, timeout: float) -> Answer:
    port = config.port or DEFAULT_PORTS[config.security]
    context = ssl.create_default_context(cadata=config.ca_certificate) if config.security != "none" else None
    try:
        smtp: smtplib.SMTP
        if config.security == "tls":
            smtp = smtplib.SMTP_SSL(config.host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(config.host, port, timeout=timeout)
        with smtp:
            smtp.ehlo()
            if config.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if config.username is not None and config.password is not None:
                smtp.login(config.username, config.password.get_secret_value())
            return _transaction(smtp, config, mail)
    except smtplib.SMTPResponseException as exc:
        return _reply(False, exc.smtp_code, exc.smtp_error)
    except ssl.SSLCertVerificationError as exc:
        return Answer.of_text(False, False, None, f"the server's certificate is not trusted: {exc.verify_message}")
    except (smtplib.SMTPException, OSError) as exc:
        return Answer(False, True, None, f"no answer from {config.host}:{port} ({type(exc).__name__})")


def _transaction(smtp: smtplib.SMTP, config: EmailConfig, mail: EmailMessage) -> Answer:
    """MAIL, RCPT for each recipient, DATA: the answer is the server's reply to the message."""
    code, reply = smtp.mail(config.from_address)
    if code != 250:
        return _reply(False, code, reply)
    refused = []
    for rcpt in config.to:
        code, reply = smtp.rcpt(rcpt)
        if code not in (250, 251):
            refused.append((rcpt, code, reply))
    if len(refused) == len(config.to):
        smtp.rset()
        rcpt, code, reply = refused[0]
        return _reply(False, code, reply, f"every recipient refused ({rcpt}: ")
    code, reply = smtp.data(mail.as_bytes(policy=SMTP))
    answer = _reply(code == 250, code, reply)
    if refused and answer.ok:
        names = ", ".join(f"{r} ({c})" for r, c, _ in refused)
        return Answer.of_text(True, False, code, f"{answer.text}; refused recipients: {names}")
    return answer


def _reply(ok: bool, code: int, reply: bytes | str, prefix: str = "") -> Answer:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    # 4xx: the server asks to try again later; 5xx: it refused for good.
    return Answer.of_text(ok, not ok and 400 <= code < 500, code, f"{prefix}{code} {text}" + (")" if prefix else ""))


EMAIL = EmailSender()
