"""`/tokens`: a user's own API tokens (made, listed, revoked), over a folder of libraries with accounts.

A user manages their own; an admin also those of the users they manage (`?user=NAME`). A new
token is shown once, in the answer that makes it; the store keeps only its digest, and a token is
named afterwards by its label (the first 12 hex digits of that digest). Without accounts there are
no user tokens: these answer 404, naming the command that adds users.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel

from askdocs.accounts import AccountStore, User
from askdocs.serve.http.access import accounts_of, client_address, user_of


class TokenDescription(BaseModel):
    """A token without its secret: its label, owner, kind ("api" or "session"), made and expiry (epoch s)."""

    label: str
    user: str
    kind: str
    created: float
    expires: float | None


class NewToken(BaseModel):
    """A token just made: `token` is shown this once."""

    token: str
    user: str


def _whose(request: Request, name: str | None) -> tuple[AccountStore, User, str]:
    """The accounts, the asking user and whose tokens they ask about; 404 without accounts, 403 for another's."""
    store, user = accounts_of(request), user_of(request)
    if store is None:
        raise HTTPException(
            404, "these libraries have no accounts: add users with `python -m askdocs users --libraries DIR add`"
        )
    if name is None and store.user(user.name) is None:  # the shared --token, or a user removed meanwhile
        raise HTTPException(400, f"{user.name} has no tokens of its own: name the user (?user=NAME)")
    target = name or user.name
    if target != user.name:
        other = store.user(target)
        if other is None or not user.may_manage(other.libraries):
            raise HTTPException(403, f"{user.name} may not manage the tokens of {target}")
    return store, user, target


def tokens_router() -> APIRouter:
    """The `/tokens` routes."""
    router = APIRouter(tags=["tokens"])

    @router.get("/tokens")
    def list_tokens(request: Request, user: str | None = None) -> list[TokenDescription]:
        """The live API tokens and page sessions of the asking user (or of `user`, for their admin)."""
        store, _, target = _whose(request, user)
        return [TokenDescription(**vars(info)) for info in store.tokens(target)]

    @router.post("/tokens", status_code=201)
    def make_token(request: Request, user: str | None = None) -> NewToken:
        """A new API token for the asking user (or for `user`, by their admin), shown this once."""
        store, asking, target = _whose(request, user)
        return NewToken(
            token=store.issue_token(target, actor=asking.name, address=client_address(request)), user=target
        )

    @router.delete("/tokens/{label}")
    def revoke_token(request: Request, label: str, user: str | None = None) -> dict[str, str]:
        """Revoke one token (or session) by its label, at once."""
        store, asking, target = _whose(request, user)
        if not store.drop_token(target, label, actor=asking.name, address=client_address(request)):
            raise HTTPException(404, f"{target} has no token labelled {label!r}; GET /tokens lists them")
        return {"revoked": label}

    return router
