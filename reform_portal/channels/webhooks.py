"""The group robots' side: which addresses we post to (the SSRF guard), the message bodies of 企业微信 and 钉钉,
钉钉's signature, one POST with short timeouts and no redirects, and what the answer means (docs/channels.md).

Nothing here touches the database: services.py calls it for each attempt of a delivery."""

import base64
import hashlib
import hmac
import http.client
import json
import ssl
import time
from dataclasses import dataclass
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

from .choices import ChannelKind

# Each robot's limit on the message (bytes of UTF-8): 企业微信's markdown content is at most 4096 bytes; 钉钉 states no
# figure for markdown, we keep its text to the same order of size.
MAX_BYTES = {ChannelKind.WECOM: 4096, ChannelKind.DINGTALK: 8192}
TITLE_MAX_CHARS = 100
ANSWER_MAX_BYTES = 64 * 1024  # what we read of a robot's answer
ERROR_MAX_CHARS = 500  # Delivery.last_error
# errcode answers that mean "later": -1 system busy (both), 45009 too many calls (企业微信), 130101 more than 20
# messages a minute (钉钉), 410100 the robot's flow control (钉钉).
RATE_LIMIT_ERRCODES = frozenset({-1, 45009, 130101, 410100})


# -- the SSRF guard ---------------------------------------------------------------------------------------------


def url_problem(url: str) -> str | None:
    """Why we refuse to post to `url` (None: we may). Only https, to a host of `CHANNEL_WEBHOOK_HOSTS` on its default
    port; http only to a host of `CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS` (tests: 127.0.0.1), on any port. No user name or
    password in the address, no fragment. Checked when a channel is saved and again before every attempt."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return _("地址格式不正确。")
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("https", "http") or not host:
        return _("请填写完整的 https:// 地址（群机器人设置中复制的 Webhook 地址）。")
    if parts.username is not None or parts.password is not None or parts.fragment:
        return _("地址中不能含用户名、密码或 # 片段。")
    http_hosts = {h.lower() for h in settings.CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS}
    allowed = {h.lower() for h in settings.CHANNEL_WEBHOOK_HOSTS} | http_hosts
    if host not in allowed:
        return _("只允许发送到这些地址：%(hosts)s（企业微信、钉钉群机器人的官方接口）。") % {
            "hosts": "、".join(sorted(settings.CHANNEL_WEBHOOK_HOSTS))
        }
    if host in http_hosts:
        return None
    if parts.scheme != "https":
        return _("只允许 https 地址。")
    if port not in (None, 443):
        return _("只允许默认端口（443）。")
    return None


def secret_problem(kind: str, secret: str) -> str | None:
    """企业微信's group robot has no signature (its address's `key` is the credential): a secret for it is refused
    rather than silently ignored. 钉钉's "加签" secret starts with SEC."""
    if not secret:
        return None
    if kind == ChannelKind.WECOM:
        return _("企业微信群机器人没有签名密钥，请留空（地址中的 key 即为凭据）。")
    if not secret.startswith("SEC") or len(secret) > 200 or any(c.isspace() for c in secret):
        return _("钉钉加签密钥以 SEC 开头，请从机器人安全设置中完整复制。")
    return None


def masked_url(url: str) -> str:
    """The address as pages and the history show it: host and path, the query's values masked (they carry the
    robot's token)."""
    parts = urlsplit(url)
    query = "&".join(
        f"{name}={mask(value)}" for name, _sep, value in (p.partition("=") for p in parts.query.split("&") if p)
    )
    return f"{parts.scheme}://{parts.netloc}{parts.path}" + (f"?{query}" if query else "")


def mask(value: str) -> str:
    """A secret as shown back: its last four characters at most, and only when it is long enough to keep the rest."""
    if not value:
        return ""
    return "••••" + value[-4:] if len(value) >= 16 else "••••"


# -- the message bodies -----------------------------------------------------------------------------------------


def truncate_utf8(text: str, limit: int, ellipsis: str = "…") -> str:
    """`text` cut to at most `limit` bytes of UTF-8, never inside a character, ending in `ellipsis` when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    room = limit - len(ellipsis.encode("utf-8"))
    return data[: max(room, 0)].decode("utf-8", errors="ignore") + ellipsis


def markdown(title: str, text: str, *, label: str = "", url: str = "") -> str:
    lines = [f"### {title}", "", text.strip()]
    if url:
        lines += ["", f"[{label or url}]({url})"]
    elif label:
        lines += ["", label]
    return "\n".join(lines)


def body_for(kind: str, *, title: str, text: str, label: str = "", url: str = "") -> dict:
    """The JSON body each robot takes: 企业微信 {"msgtype": "markdown", "markdown": {"content"}}, 钉钉 {"msgtype":
    "markdown", "markdown": {"title", "text"}}, cut to the robot's size on a character boundary."""
    content = truncate_utf8(markdown(title, text, label=label, url=url), MAX_BYTES[kind])
    if kind == ChannelKind.WECOM:
        return {"msgtype": "markdown", "markdown": {"content": content}}
    return {"msgtype": "markdown", "markdown": {"title": title[:TITLE_MAX_CHARS], "text": content}}


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """钉钉's 加签: base64(HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}")), URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote_plus(base64.b64encode(digest))


def signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """`url` with 钉钉's `timestamp` (milliseconds) and `sign` appended to its query (unchanged without a secret)."""
    if not secret:
        return url
    timestamp_ms = timestamp_ms if timestamp_ms is not None else int(time.time() * 1000)
    joiner = "&" if urlsplit(url).query else "?"
    return f"{url}{joiner}timestamp={timestamp_ms}&sign={dingtalk_sign(secret, timestamp_ms)}"


# -- one attempt ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What one POST came to: `outcome` is "sent", "retry" (a passing failure) or "failed" (for good)."""

    outcome: str
    http_status: int | None = None
    errcode: int | None = None
    error: str = ""


def post(url: str, body: dict) -> Answer:
    """POST `body` as JSON to `url` (checked by `url_problem` first): connect within CHANNEL_CONNECT_TIMEOUT, read
    within CHANNEL_READ_TIMEOUT, no redirect followed (a 3xx is a failure), the answer read up to 64 KiB."""
    problem = url_problem(url)
    if problem:
        return Answer("failed", error=str(problem))
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    data = json.dumps(body, ensure_ascii=False).encode("utf-8")
    connect_timeout, read_timeout = settings.CHANNEL_CONNECT_TIMEOUT, settings.CHANNEL_READ_TIMEOUT
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=connect_timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect_timeout)
    try:
        connection.connect()
        connection.sock.settimeout(read_timeout)
        connection.request(
            "POST", target, body=data, headers={"Content-Type": "application/json; charset=utf-8", "Accept": "*/*"}
        )
        response = connection.getresponse()
        raw = response.read(ANSWER_MAX_BYTES)
    except TimeoutError:
        return Answer("retry", error=_("超时：机器人接口未在规定时间内应答"))
    except (OSError, http.client.HTTPException) as exc:
        return Answer("retry", error=f"{type(exc).__name__}: {exc}"[:ERROR_MAX_CHARS])
    finally:
        connection.close()
    return classify(response.status, raw)


def classify(status: int, raw: bytes) -> Answer:
    """An answer read: 2xx with {"errcode": 0} is sent; 429, 5xx and the rate-limit errcodes are tried again;
    anything else (a 3xx, a 4xx, a non-zero errcode, a body that is not the robot's JSON) fails for good."""
    text = raw.decode("utf-8", errors="replace")[:ERROR_MAX_CHARS]
    if status == 429 or status >= 500:
        return Answer("retry", http_status=status, error=f"HTTP {status}: {text}"[:ERROR_MAX_CHARS])
    if not 200 <= status < 300:
        return Answer("failed", http_status=status, error=f"HTTP {status}: {text}"[:ERROR_MAX_CHARS])
    try:
        answer = json.loads(raw)
        errcode = int(answer["errcode"])
    except (ValueError, TypeError, KeyError):
        return Answer("failed", http_status=status, error=_("应答不是机器人接口的 JSON：%(text)s") % {"text": text})
    if errcode == 0:
        return Answer("sent", http_status=status, errcode=0)
    message = f"errcode {errcode}: {answer.get('errmsg', '')}"[:ERROR_MAX_CHARS]
    outcome = "retry" if errcode in RATE_LIMIT_ERRCODES else "failed"
    return Answer(outcome, http_status=status, errcode=errcode, error=message)
