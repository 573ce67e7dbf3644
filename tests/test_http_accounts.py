"""A folder of libraries with accounts over HTTP (serve/http/access.py): real servers on 127.0.0.1, a real SQLite file."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from askdocs.accounts import AccountStore
from askdocs.encoders import Encoder
from askdocs.serve.cli import main
from askdocs.serve.http.access import AccessRules
from askdocs.serve.http.app import create_libraries_app
from tests import test_http
from tests.conftest import SEED_LIKE
from tests.test_http import TOKEN, thread_server
from tests.test_http_documents import SETTLE_SECONDS, delete, upload
from tests.test_http_libraries import KITES, build

uvicorn_runs = test_http.uvicorn_runs
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """Two libraries, `health` and `kites`, built once; each test copies them."""
    root = tmp_path_factory.mktemp("accounts") / "libraries"
    build(root, "health", SEED_LIKE, encoder)
    build(root, "kites", KITES, encoder)
    return root


@pytest.fixture
def team(folder: Path, tmp_path: Path) -> Iterator[tuple[Path, AccountStore, dict[str, dict[str, str]]]]:
    """A copy of the libraries with a reader of health, an editor of kites and an admin of all; their token headers."""
    root = tmp_path / "libraries"
    shutil.copytree(folder, root, symlinks=True)
    store = AccountStore.beside(root)
    store.add_user("rita", "reader", ["health"], PASSWORD)
    store.add_user("ed", "editor", ["kites"])
    store.add_user("ada", "admin", ["*"])
    yield root, store, {name: {"Authorization": f"Bearer {store.issue_token(name)}"} for name in ("rita", "ed", "ada")}


def ask(url: str, path: str, headers: dict[str, str] | None = None, **params: Any) -> httpx.Response:
    return httpx.get(f"{url}{path}", params=params, headers=headers, timeout=60)


def _settled(url: str, headers: dict[str, str], lib: str) -> None:
    """Wait for the library's background ingest to end (a bound on a wait, not a measure)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    while ask(url, "/documents/status", headers, lib=lib).json()["ingest"]["running"]:
        assert time.monotonic() < deadline, "the ingest did not finish"
        time.sleep(0.2)


def test_every_request_needs_a_user_once_there_are_accounts_even_on_loopback(team: Any) -> None:
    root, _, _ = team
    with thread_server(create_libraries_app(root)) as url:
        for path in ("/libraries", "/search?q=kites&lib=all", "/documents/status?lib=kites"):
            refused = ask(url, path)
            assert refused.status_code == 401 and "users --libraries DIR token NAME" in refused.json()["error"]
        assert ask(url, "/health").json() == {"status": "ok"}  # up, and nothing more
        assert ask(url, "/libraries", {"Authorization": "Bearer askdocs_not-a-token"}).status_code == 401


def test_a_reader_sees_only_their_library_and_cannot_change_it(team: Any) -> None:
    root, _, headers = team
    rita = headers["rita"]
    with thread_server(create_libraries_app(root)) as url:
        assert [entry["name"] for entry in ask(url, "/libraries", rita).json()["libraries"]] == ["health"]
        found = ask(url, "/search", rita, q="box kites and hip pain", lib="all").json()
        assert found["hits"] and {hit["library"] for hit in found["hits"]} == {"health"}
        assert ask(url, "/search", rita, q="sciatica").json()["library"] == "health"  # her only library
        for path, params in (
            ("/search", {"q": "kites", "lib": "kites"}),
            ("/documents/status", {"lib": "kites"}),
            ("/files/kites.md", {"lib": "kites"}),
            ("/views", {"source": "kites.md", "lib": "kites"}),
        ):
            hidden = ask(url, path, rita, **params)
            # Not found, as a library that does not exist: the libraries named are hers alone.
            assert hidden.status_code == 404
            assert hidden.json()["error"].endswith("the libraries are: health (or 'all')")
        assert "kites" not in str(ask(url, "/health", rita).json())
        refused = upload(url, {"notes.txt": b"Rest the hip.\n"}, rita, lib="health")
        assert refused.status_code == 403 and "rita is a reader" in refused.json()["error"]
        assert delete(url, "hips.txt", rita, lib="health").status_code == 403
    assert (root / "health" / "hips.txt").exists() and not (root / "health" / "notes.txt").exists()


def test_an_editor_changes_only_their_library_and_the_audit_log_says_who(team: Any) -> None:
    root, store, headers = team
    ed = headers["ed"]
    with thread_server(create_libraries_app(root)) as url:
        gusts = {"gusts.txt": b"Gusts over twenty knots tear kite sails.\n"}
        assert upload(url, gusts, ed, lib="kites").status_code == 202
        _settled(url, ed, "kites")
        assert upload(url, {"x.txt": b"x\n"}, ed, lib="health").status_code == 404
        assert delete(url, "kites.md", ed, lib="kites").status_code == 202
    entries = [(e.actor, e.action, e.target, e.address) for e in store.audit(limit=2)]
    assert entries == [
        ("ed", "remove", "kites/kites.md", "127.0.0.1"),
        ("ed", "upload", "kites/gusts.txt", "127.0.0.1"),
    ]


def test_a_revoked_token_is_refused_at_once_and_the_shared_token_still_opens_everything(team: Any) -> None:
    root, store, headers = team
    with thread_server(create_libraries_app(root, token=TOKEN)) as url:
        assert ask(url, "/libraries", headers["ed"]).status_code == 200
        store.revoke("ed")
        assert ask(url, "/libraries", headers["ed"]).status_code == 401
        owner = {"Authorization": f"Bearer {TOKEN}"}
        assert [e["name"] for e in ask(url, "/libraries", owner).json()["libraries"]] == ["health", "kites"]


def test_a_sign_in_proxy_names_the_user_only_from_its_own_address(team: Any) -> None:
    root, _, _ = team
    trusted = AccessRules.for_folder(root, proxy="127.0.0.1", header="X-Remote-User")
    with thread_server(create_libraries_app(root, access=trusted)) as url:
        seen = ask(url, "/libraries", {"X-Remote-User": "rita"}).json()["libraries"]
        assert [entry["name"] for entry in seen] == ["health"]
        assert ask(url, "/libraries", {"X-Remote-User": "mallory"}).status_code == 401
    elsewhere = AccessRules.for_folder(root, proxy="10.9.8.7", header="X-Remote-User")
    with thread_server(create_libraries_app(root, access=elsewhere)) as url:
        assert ask(url, "/libraries", {"X-Remote-User": "ada"}).status_code == 401


def test_serve_beyond_loopback_needs_a_token_or_accounts(
    uvicorn_runs: list[dict[str, Any]], team: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root, _, _ = team
    assert main(["serve", "--host", "0.0.0.0", "--libraries", str(root), "--sign-in-proxy", "10.0.0.2"]) == 0
    bare = tmp_path / "bare"
    shutil.copytree(root, bare, symlinks=True, ignore=shutil.ignore_patterns(".askdocs-accounts*"))
    assert main(["serve", "--host", "0.0.0.0", "--libraries", str(bare)]) == 2
    assert "add users to a folder of libraries" in capsys.readouterr().err
    assert len(uvicorn_runs) == 1


def test_users_make_list_and_revoke_their_own_tokens_and_an_admin_theirs(team: Any) -> None:
    root, store, headers = team
    with thread_server(create_libraries_app(root)) as url:
        made = httpx.post(f"{url}/tokens", headers=headers["rita"], timeout=60)
        assert made.status_code == 201 and made.json()["user"] == "rita"
        fresh = {"Authorization": f"Bearer {made.json()['token']}"}
        assert ask(url, "/libraries", fresh).status_code == 200
        listed = ask(url, "/tokens", fresh).json()
        assert len(listed) == 2 and all(t["user"] == "rita" and "token" not in t for t in listed)
        assert made.json()["token"] not in str(listed)
        # A reader cannot see or make another user's tokens; an admin can revoke theirs.
        assert ask(url, "/tokens", fresh, user="ed").status_code == 403
        assert httpx.post(f"{url}/tokens", params={"user": "ed"}, headers=fresh, timeout=60).status_code == 403
        label = next(t["label"] for t in listed if store.user_for_token(made.json()["token"]) and t["kind"] == "api")
        labels = {t["label"] for t in ask(url, "/tokens", headers["ada"], user="rita").json()}
        assert label in labels
        for label in labels:
            gone = httpx.delete(f"{url}/tokens/{label}", params={"user": "rita"}, headers=headers["ada"], timeout=60)
            assert gone.status_code == 200
        assert ask(url, "/libraries", fresh).status_code == 401  # refused at once
        assert ask(url, "/libraries", headers["rita"]).status_code == 401
        missing = httpx.delete(f"{url}/tokens/0123456789ab", headers=headers["ada"], timeout=60)
        assert missing.status_code == 404 and "GET /tokens" in missing.json()["error"]
    assert ("ada", "revoke token", "127.0.0.1") in [(e.actor, e.action, e.address) for e in store.audit(20)]


def test_a_library_with_a_role_of_its_own_is_writable_there_only(team: Any) -> None:
    root, store, _ = team
    store.add_user("hana", "reader", ["health", "kites:editor"])
    hana = {"Authorization": f"Bearer {store.issue_token('hana')}"}
    with thread_server(create_libraries_app(root)) as url:
        assert {e["name"] for e in ask(url, "/libraries", hana).json()["libraries"]} == {"health", "kites"}
        refused = httpx.delete(f"{url}/documents/hips.txt", params={"lib": "health"}, headers=hana, timeout=60)
        assert refused.status_code == 403 and "reader" in refused.json()["error"]
        assert (root / "health" / "hips.txt").exists()
        allowed = httpx.delete(f"{url}/documents/kites.md", params={"lib": "kites"}, headers=hana, timeout=60)
        assert allowed.status_code == 202 and not (root / "kites" / "kites.md").exists()
        _settled(url, hana, "kites")
    assert ("hana", "remove", "kites/kites.md") in [(e.actor, e.action, e.target) for e in store.audit(10)]
