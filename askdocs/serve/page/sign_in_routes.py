"""The page's sign-in form and sign-out, plain HTTP routes beside Streamlit (`page.py` mounts them).

A Streamlit script cannot set a cookie, and a session cookie the page's scripts could read would
be open to any script injected into it: so `POST /sign-in` checks the password (accounts/sign_in.py:
slowed after repeated failures) and answers with a cookie that is HttpOnly, SameSite=Strict,
limited to the session's life (and Secure over https), then sends the browser to the page, whose
runs read it (signed_in.py). `POST /sign-out` ends the session at once and clears the cookie. Both
refuse requests another site's page sends (their Origin), as the page does.
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from askdocs.accounts import AccountStore, folder_accounts
from askdocs.accounts.sign_in import SignInGate
from askdocs.serve.page.options import page_options
from askdocs.serve.page.request_guard import page_hosts
from askdocs.serve.request_origin import foreign_reason

SESSION_COOKIE = "askdocs_session"
SIGN_IN_PATH = "/sign-in"
SIGN_OUT_PATH = "/sign-out"
# Set in the page's process when these routes are mounted: the page sends people to the form only then.
_SERVED_ENV = "ASKDOCS_SIGN_IN_ROUTES"
_MAX_FIELD_CHARS = 1024
# The page's own links, as the page writes them (urlencode): a path of "/" and a query, nothing else.
_PAGE_LINK = re.compile(r"/(\?[A-Za-z0-9%=&+._~-]{0,4000})?")

_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · askdocs</title>
<style>body{{font-family:system-ui,sans-serif;max-width:22rem;margin:4rem auto;padding:0 1rem}}
label,input,button{{display:block;width:100%;box-sizing:border-box;margin:.3rem 0}}
input{{padding:.5rem;font-size:1rem}}button{{padding:.6rem;font-size:1rem;margin-top:1rem}}
.problem{{color:#b91c1c}}</style></head><body><h1>askdocs</h1>
<form method="post" action="{action}"><p class="problem" role="alert">{problem}</p>
<input type="hidden" name="next" value="{next}">
<label for="name">User name</label><input id="name" name="name" autocomplete="username" value="{name}" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form></body></html>"""


def routes_served() -> bool:
    """Whether this process serves the sign-in routes (the page was started with page.py)."""
    return os.environ.get(_SERVED_ENV) == "1"


def _form(
    problem: str = "", name: str = "", status: int = 200, headers: dict[str, str] | None = None, then: str = "/"
) -> Response:
    body = _FORM.format(
        action=SIGN_IN_PATH,
        problem=html.escape(problem),
        name=html.escape(name, quote=True),
        next=html.escape(then, quote=True),
    )
    return HTMLResponse(body, status_code=status, headers=headers)


def _then(value: object) -> str:
    """Where to go after signing in: the page's own `/?lib=...&q=...` link, never another site."""
    text = str(value or "/")
    return text if _PAGE_LINK.fullmatch(text) else "/"


def _foreign(request: Request) -> str | None:
    """Why the request is another site's (Host or Origin), as the page itself refuses them."""
    return foreign_reason(request.headers.get("host"), request.headers.get("origin"), page_hosts())


def _store() -> AccountStore | None:
    folder = page_options().libraries
    return folder_accounts(Path(folder)) if folder else None


async def sign_in(request: Request) -> Response:
    """GET: the form; POST: check the name and password, then the session cookie and the page."""
    store = _store()
    if store is None:  # nothing to sign in to: one person's page
        return RedirectResponse("/", status_code=303)
    if request.method == "GET":
        response = _form(then=_then(request.query_params.get("next")))
        if request.cookies.get(SESSION_COOKIE):  # a session that ended: forget its cookie
            response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    problem = _foreign(request)
    if problem:
        return _form(problem, status=403)
    form = await request.form(max_files=0, max_fields=4)
    then = _then(form.get("next"))
    name = str(form.get("name") or "")[:_MAX_FIELD_CHARS]
    password = str(form.get("password") or "")[:_MAX_FIELD_CHARS]
    address = request.client.host if request.client else ""
    gate = SignInGate(store)
    # An Argon2 check takes a while: off the event loop, so other pages keep answering meanwhile.
    result = await run_in_threadpool(gate.attempt, name, password, address)
    if result.session is None:
        if result.wait_seconds:
            return _form(result.refusal, name, 429, {"Retry-After": str(int(result.wait_seconds) + 1)}, then)
        return _form(result.refusal, name, 401, then=then)
    response = RedirectResponse(then, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        result.session,
        max_age=int(gate.session_seconds),
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


async def sign_out(request: Request) -> Response:
    """End the cookie's session at once, forget the cookie, and show the sign-in form."""
    if _foreign(request):
        return _form("sign out from this server's own page", status=403)
    store = _store()
    session = request.cookies.get(SESSION_COOKIE)
    if store is not None and session:
        store.end_session(session)
    response = RedirectResponse(SIGN_IN_PATH, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def sign_in_routes() -> list[Route]:
    """The routes `page.py` mounts beside Streamlit's own."""
    os.environ[_SERVED_ENV] = "1"
    return [
        Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"]),
        Route(SIGN_OUT_PATH, sign_out, methods=["POST"]),
    ]
