"""Request bodies are limited while they are read, before anything parses them.

FastAPI parses a form (spooling a multipart upload to disk) before a route's own checks
run, so without this an anonymous 300 MB post to /login was read in full before its 403,
and a signed-in one before "larger than 20 MB". Here, as an ASGI middleware inside the
session middleware:
- an upload path refuses a request whose session names nobody (403) without reading it;
- a declared Content-Length over the limit is refused at once (413);
- a body that grows past the limit while it streams in (chunked, or a lying length) is
  cut off there (413).
Upload paths get the upload limit (max_file_mb plus room for the form around the file);
every other post, a form of a few fields, gets FORM_LIMIT.
"""

from __future__ import annotations

import html

from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_LIMIT = 64 * 1024
FORM_OVERHEAD = 64 * 1024  # the multipart framing and fields around an uploaded file


class BodyLimit:
    def __init__(self, app: ASGIApp, *, upload_bytes: int, upload_paths: frozenset[str]) -> None:
        self.app = app
        self.upload_bytes = upload_bytes
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"] in self.upload_paths
        if upload and not isinstance(scope.get("session", {}).get("uid"), int):
            await _refuse(send, 403, "Sign in first. 请先登录。")
            return
        limit = self.upload_bytes + FORM_OVERHEAD if upload else FORM_LIMIT
        what = (f"The file is larger than {self.upload_bytes // (1024 * 1024)} MB. 文件过大。" if upload
                else "The form is too large. 表单过大。")
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _refuse(send, 413, what)
            return
        received, too_large, refused = 0, False, False

        async def limited_receive() -> Message:
            """Past the limit the client is treated as gone: nothing more is read."""
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def answering_send(message: Message) -> None:
            """Whatever the app makes of a cut-off body (FastAPI: a 400), the answer is 413."""
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused:
                refused = True
                await _refuse(send, 413, what)

        try:
            await self.app(scope, limited_receive, answering_send)
        except Exception:
            if not too_large:  # a failure of the app's own, not of the cut-off body
                raise
        if too_large and not refused:
            await _refuse(send, 413, what)


async def _refuse(send: Send, status: int, text: str) -> None:
    body = f"<!doctype html><meta charset=utf-8><title>{status}</title><p>{html.escape(text)}</p>".encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"), (b"cache-control", b"no-store")]})
    await send({"type": "http.response.body", "body": body})
