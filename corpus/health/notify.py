"""Sending a run's failed health checks: a generic JSON POST to a webhook, e-mail over SMTP.

The webhook body is one JSON object that the common chat bots read as a text message:

    {"msgtype": "text", "text": {"content": MESSAGE},        # WeCom (企业微信), DingTalk (钉钉)
     "msg_type": "text", "content": {"text": MESSAGE},       # Feishu / Lark (飞书)
     "debtcorpus": {"run_id": ..., "site": ..., "failed": [CHECK, ...]}}   # for scripts

Slack's incoming webhooks want "text" to be a string, so a URL on hooks.slack.com gets
{"text": MESSAGE, "debtcorpus": {...}} instead. A notifier that fails (refused, timeout, an
HTTP error status) is logged in one line; it never changes the run or its exit code.
"""

from __future__ import annotations

import functools
import json
import logging
import smtplib
from collections.abc import Callable
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import urllib3

from corpus.health.config import Notifiers, smtp_address

log = logging.getLogger(__name__)
TIMEOUT_S = 10.0
SLACK_HOSTS = ("hooks.slack.com",)


def webhook_body(url: str, message: str, details: dict[str, Any]) -> dict[str, Any]:
    if urlsplit(url).hostname in SLACK_HOSTS:
        return {"text": message, "debtcorpus": details}
    return {
        "msgtype": "text",
        "text": {"content": message},
        "msg_type": "text",
        "content": {"text": message},
        "debtcorpus": details,
    }


def post_webhook(url: str, message: str, details: dict[str, Any]) -> None:
    body = json.dumps(webhook_body(url, message, details), ensure_ascii=False).encode("utf-8")
    http = urllib3.PoolManager(timeout=TIMEOUT_S, retries=False)
    response = http.request(
        "POST", url, body=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    if response.status >= 300:
        raise OSError(f"HTTP {response.status}")


def send_email(notifiers: Notifiers, subject: str, message: str) -> None:
    assert notifiers.smtp is not None
    host, port = smtp_address(notifiers.smtp)
    mail = EmailMessage()
    mail["From"] = notifiers.sender
    mail["To"] = ", ".join(notifiers.emails)
    mail["Subject"] = subject
    mail.set_content(message)
    with smtplib.SMTP(host, port, timeout=TIMEOUT_S) as smtp:
        smtp.send_message(mail)


def notify(
    notifiers: Notifiers, subject: str, message: str, details: dict[str, Any]
) -> dict[str, str]:
    """Send to every webhook and the e-mail addresses; what became of each, by target."""
    sent: dict[str, str] = {}
    for url in notifiers.webhooks:
        sent[url] = _attempt(functools.partial(post_webhook, url, message, details), url)
    if notifiers.emails:
        target = "mailto:" + ",".join(notifiers.emails)
        if notifiers.smtp is None:
            log.warning("health: no SMTP server for %s (give --smtp HOST:PORT)", target)
            sent[target] = "failed: no SMTP server"
        else:
            sent[target] = _attempt(
                functools.partial(send_email, notifiers, subject, message), target
            )
    return sent


def _attempt(send: Callable[[], None], target: str) -> str:
    try:
        send()
    except (OSError, smtplib.SMTPException, urllib3.exceptions.HTTPError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning("health: could not notify %s: %s (the run is kept)", target, reason)
        return f"failed: {reason}"
    return "sent"
