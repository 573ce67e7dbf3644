"""The environment variables the page and the HTTP API read their settings from, spelled once.

`serve` sets them for uvicorn's worker processes (which import the app by name), and a page
started without options reads them, so one deployment can configure both the same way.
"""

from __future__ import annotations

# The index folder; with a folder of libraries, the folder that holds their indexes.
INDEX_ENV = "ASKDOCS_INDEX"
# The token every endpoint but /health requires (the HTTP API only).
TOKEN_ENV = "ASKDOCS_TOKEN"
# A folder of libraries to serve instead of one index.
LIBRARIES_ENV = "ASKDOCS_LIBRARIES"
# "1": documents cannot be added or removed.
READ_ONLY_ENV = "ASKDOCS_READ_ONLY"
# The address the API listens on (set by `serve` for its workers).
HOST_ENV = "ASKDOCS_HOST"
# More host names requests may be addressed to, comma-separated (a proxy's or the machine's name).
ALLOWED_HOSTS_ENV = "ASKDOCS_ALLOWED_HOSTS"
# With a folder of libraries that has accounts: the address of a trusted sign-in proxy (oauth2-proxy and
# the like), and the header it names the signed-in user in (default X-Forwarded-User).
SIGN_IN_PROXY_ENV = "ASKDOCS_SIGN_IN_PROXY"
USER_HEADER_ENV = "ASKDOCS_USER_HEADER"
