"""Cutting Telegram HTML to the message limit without breaking it.

Telegram counts the limit (4096) in characters a person sees, after tags and entities
are parsed, and rejects the whole message when a tag is left open or an entity is cut
(`&am`). Slicing escaped HTML does both, and cuts text that would have fitted: a
passage of `&` and `<` is four to five times longer escaped than shown.
"""

from __future__ import annotations

import re

from telegram.constants import MessageLimit, ParseMode

# A tag we wrote (<b>, </i>), an entity (&amp; &#39;), a run of plain text, or a lone & or <.
_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|&#?[a-zA-Z0-9]+;|[^<&]+|[<&]")
ELLIPSIS = "…"


def _size(token: str) -> int:
    """Visible characters of a text token: an entity counts 1."""
    return 1 if token[0] == "&" and len(token) > 1 else len(token)


def visible_length(text: str) -> int:
    """Characters Telegram counts: tags count 0, an entity counts 1."""
    return sum(0 if m.group(2) else _size(m.group(0)) for m in _TOKEN.finditer(text))


def fit_message(text: str, parse_mode: str | None) -> str:
    """A message text cut to Telegram's limit: HTML cut cleanly, plain text sliced."""
    limit = MessageLimit.MAX_TEXT_LENGTH
    return clip_html(text, limit) if parse_mode == ParseMode.HTML else text[:limit]


def clip_html(text: str, limit: int) -> str:
    """`text` (Telegram HTML that we built: escaped text, well-nested tags) cut to at
    most `limit` visible characters, ending in … when cut, with every open tag closed."""
    if visible_length(text) <= limit:
        return text
    budget = limit - len(ELLIPSIS)
    out: list[str] = []
    open_tags: list[str] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if match.group(2):  # a tag: free, but track nesting
            if match.group(1):
                if open_tags:
                    open_tags.pop()
            else:
                open_tags.append(match.group(2))
            out.append(token)
            continue
        size = _size(token)
        if size > budget:
            if size > 1 and token[0] != "&":
                out.append(token[:budget])
            break
        out.append(token)
        budget -= size
    out.append(ELLIPSIS)
    out.extend(f"</{tag}>" for tag in reversed(open_tags))
    return "".join(out)
