"""Static files and text answers made light for a slow link (issue 13: the player's first load).

Three things, wired by ``init_app``:

- **Versioned URLs.** ``url_for('static', filename=…)`` gains ``?v=`` and the first 12 hex digits of
  the SHA-256 of what is served. A request that names the current version is answered
  ``Cache-Control: public, max-age=31536000, immutable``: the browser keeps the file a year and never
  asks again, and a changed file has a new URL. Without ``v`` (or with a stale one) the answer is
  ``no-cache`` with an ETag, so the browser revalidates (a 304 costs one round trip, no body).
- **The module graph is versioned too.** ES modules import each other by relative URL
  (``./api.js``), which would carry no version. When a JavaScript file is served, its relative import
  specifiers are rewritten to the imported file's versioned URL, and a module's version is the hash
  of the rewritten text, so it changes when anything it imports changes (a hash tree). Every module
  of the player is then cached for good after the first load. ``module_preloads`` lists a module's
  static imports with the very same URLs, for ``<link rel="modulepreload">`` (the browser fetches
  them beside the entry module instead of after parsing it).
- **gzip** (level 6) for CSS, JavaScript, SVG and JSON over 1 KB when the client accepts it. Static
  text is compressed once and kept in memory per file version (immutable bytes, so several processes
  or instances each holding their own copy agree). JSON and other text answers of views are
  compressed per response. HTML is never compressed: pages carry the CSRF token beside text a visitor
  can reflect into them, the shape BREACH reads secrets from. Streamed answers (server-sent events,
  files sent from disk) are left alone.

Static files above ``IN_MEMORY_LIMIT`` or of other types (images, fonts) are streamed from disk by
Flask as before, with the same versioned caching.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import posixpath
import re
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

from flask import Flask, Response, current_app, g, request, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import NotFound
from werkzeug.security import safe_join

from core.web import VerifiedSessionCookies

VERSION_ARG = "v"
VERSION_HEX_DIGITS = 12
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
COMPRESSIBLE_TYPES = frozenset({"text/css", "application/javascript", "text/javascript", "image/svg+xml",
                                "application/json"})
MIN_COMPRESSED_BYTES = 1024  # below about a packet, gzip's header and the CPU are not worth it
GZIP_LEVEL = 6  # nearly level 9's size at a fraction of its CPU
IN_MEMORY_LIMIT = 512 * 1024
JAVASCRIPT_TYPES = frozenset({"application/javascript", "text/javascript"})

# A relative module specifier after ``from``, ``import`` or ``import(``: './x.js' or "../y/z.js".
# Bare and absolute specifiers are left alone (we have none; a CDN is not allowed).
_RELATIVE_IMPORT = re.compile(r"""(?P<lead>\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)"""
                              r"""(?P<quote>['"])(?P<spec>\.\.?/[^'"\s?#]+\.m?js)(?P=quote)""")


class _Source(NamedTuple):
    stamp: tuple  # (mtime_ns, size)
    raw: bytes
    imports: tuple[tuple[str, str | None, bool], ...]  # (specifier, filename it names, static?)


@dataclass(frozen=True)
class Asset:
    """One static text file as served: the rewritten bytes, their gzip, and the version of both."""

    filename: str
    stamp: tuple  # (mtime_ns, size) of the file and the versions of what it imports
    mimetype: str
    body: bytes
    gzipped: bytes | None
    digest: str  # the SHA-256 of ``body`` in hex
    modified: datetime
    static_imports: tuple[str, ...]  # filenames, in source order, for modulepreload

    @property
    def version(self) -> str:
        return self.digest[:VERSION_HEX_DIGITS]


class StaticAssets:
    """The static folder's files, loaded and versioned lazily and kept while their ``(mtime, size)``
    (and for a module, its imports' versions) stay the same, looked at again at most every
    ``recheck_s``: an edited file gets a new version a second later, without a restart."""

    def __init__(self, folder: str | Path, recheck_s: float = 1.0) -> None:
        self.folder = str(folder)
        # A file looked at less than this long ago is not looked at again: a page names several files
        # and each module's version depends on its imports', so this saves a dozen stat() calls per URL.
        self.recheck_s = recheck_s
        self._checked: dict[str, tuple[float, Asset]] = {}
        self._assets: dict[str, Asset] = {}
        self._digests: dict[str, tuple[tuple, str]] = {}  # big or binary files: stamp → digest
        self._sources: dict[str, _Source] = {}

    # --- lookups ------------------------------------------------------------------------------

    def _path(self, filename: str) -> Path | None:
        joined = safe_join(self.folder, filename)
        if joined is None:
            return None
        path = Path(joined)
        return path if path.is_file() else None

    def version(self, filename: str) -> str | None:
        """The version that goes in the file's URL, or None for a file that does not exist."""
        asset = self.load(filename)
        if asset is not None:
            return asset.version
        path = self._path(filename)
        if path is None:
            return None
        stat = path.stat()
        stamp = (stat.st_mtime_ns, stat.st_size)
        cached = self._digests.get(filename)
        if cached is None or cached[0] != stamp:
            sha = hashlib.sha256()
            with path.open("rb") as handle:
                for block in iter(lambda: handle.read(1 << 16), b""):
                    sha.update(block)
            cached = (stamp, sha.hexdigest())
            self._digests[filename] = cached
        return cached[1][:VERSION_HEX_DIGITS]

    def load(self, filename: str, _visiting: frozenset[str] = frozenset()) -> Asset | None:
        """The file as served from memory, or None when it is missing, too big or not text we compress."""
        if not _visiting:  # inside an import cycle a module's answer depends on where the walk began
            checked = self._checked.get(filename)
            if checked is not None and time.monotonic() - checked[0] < self.recheck_s:
                return checked[1]
        asset = self._load(filename, _visiting)
        if asset is not None and not _visiting:
            self._checked[filename] = (time.monotonic(), asset)
        return asset

    def _load(self, filename: str, _visiting: frozenset[str]) -> Asset | None:
        path = self._path(filename)
        if path is None:
            return None
        mimetype = mimetypes.guess_type(filename)[0] or "application/octet-stream"
        stat = path.stat()
        if mimetype not in COMPRESSIBLE_TYPES or stat.st_size > IN_MEMORY_LIMIT:
            return None
        source = self._read(filename, path, (stat.st_mtime_ns, stat.st_size), mimetype in JAVASCRIPT_TYPES)
        imports, static_imports = self._imports_of(source, _visiting | {filename})
        stamp = (*source.stamp, tuple(sorted(imports.items())))
        cached = self._assets.get(filename)
        if cached is not None and cached.stamp == stamp:
            return cached
        raw = source.raw
        body = self._rewrite(raw, imports) if imports else raw
        asset = Asset(filename=filename, stamp=stamp, mimetype=mimetype, body=body,
                      gzipped=gzip.compress(body, GZIP_LEVEL, mtime=0) if len(body) >= MIN_COMPRESSED_BYTES else None,
                      digest=hashlib.sha256(body).hexdigest(),
                      modified=datetime.fromtimestamp(stat.st_mtime_ns / 1e9, timezone.utc),
                      static_imports=tuple(static_imports))
        self._assets[filename] = asset
        return asset

    def module_preloads(self, filename: str) -> list[str]:
        """Every module ``filename`` imports statically, directly or not, depth first, each once."""
        found: list[str] = []

        def walk(name: str) -> None:
            asset = self.load(name)
            for imported in asset.static_imports if asset else ():
                if imported not in found and imported != filename:
                    found.append(imported)
                    walk(imported)

        walk(filename)
        return found

    # --- the module graph ---------------------------------------------------------------------

    def _read(self, filename: str, path: Path, stamp: tuple, javascript: bool) -> _Source:
        """The file as on disk and its relative imports, read and parsed once per (mtime, size)."""
        cached = self._sources.get(filename)
        if cached is None or cached.stamp != stamp:
            raw = path.read_bytes()
            imports = tuple(
                (match["spec"], self._resolve(filename, match["spec"]), "(" not in match["lead"])
                for match in _RELATIVE_IMPORT.finditer(raw.decode("utf-8"))) if javascript else ()
            cached = _Source(stamp, raw, imports)
            self._sources[filename] = cached
        return cached

    def _resolve(self, importer: str, spec: str) -> str | None:
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), spec))
        return None if joined.startswith("../") or joined == ".." else joined

    def _imports_of(self, source: _Source, visiting: frozenset[str]) -> tuple[dict[str, str], list[str]]:
        """The version of each relative import (by its specifier) and the static ones' filenames.
        An import back into a module being loaded (a cycle) keeps its plain URL: it cannot carry a
        hash of itself, and is served with revalidation instead."""
        versions: dict[str, str] = {}
        static: list[str] = []
        for spec, target, is_static in source.imports:
            if target is None or target in visiting:
                continue
            imported = self.load(target, visiting)
            if imported is None:
                continue
            versions[spec] = imported.version
            if is_static and target not in static:  # import(…) is fetched when it is needed
                static.append(target)
        return versions, static

    @staticmethod
    def _rewrite(raw: bytes, versions: dict[str, str]) -> bytes:
        def versioned(match: re.Match) -> str:
            version = versions.get(match["spec"])
            if version is None:
                return match[0]
            return f"{match['lead']}{match['quote']}{match['spec']}?{VERSION_ARG}={version}{match['quote']}"

        return _RELATIVE_IMPORT.sub(versioned, raw.decode("utf-8")).encode("utf-8")


# --- the web side ---------------------------------------------------------------------------------

def accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def _assets() -> StaticAssets:
    return current_app.extensions["cop.assets"]


def serve_static(filename: str) -> Response:
    """The ``static`` endpoint: text from memory (gzip when accepted), anything else from disk."""
    assets = _assets()
    asset = assets.load(filename)
    if asset is None:
        response = current_app.send_static_file(filename)  # raises NotFound for a missing file
        version = assets.version(filename)
    else:
        compressed = asset.gzipped is not None and accepts_gzip()
        response = Response(asset.gzipped if compressed else asset.body, mimetype=asset.mimetype)
        if asset.gzipped is not None:
            response.vary.add("Accept-Encoding")
        if compressed:
            response.headers["Content-Encoding"] = "gzip"
        # A strong ETag names one representation: the gzip of a file has its own.
        response.set_etag(asset.digest[:32] + ("-gzip" if compressed else ""))
        response.last_modified = asset.modified
        version = asset.version
    if version is None:
        raise NotFound()
    if request.args.get(VERSION_ARG) == version:
        response.headers["Cache-Control"] = IMMUTABLE
        response.expires = None
    else:
        response.headers["Cache-Control"] = REVALIDATE
    if asset is not None:
        response.make_conditional(request)  # If-None-Match / If-Modified-Since → 304 without a body
    return response


def compress_response(response: Response) -> Response:
    """gzip a view's CSS, JavaScript, SVG or JSON answer over 1 KB for a client that accepts it.
    HTML is never compressed (BREACH); neither is anything streamed or already encoded."""
    if response.mimetype not in COMPRESSIBLE_TYPES:
        return response
    response.vary.add("Accept-Encoding")
    if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers or not accepts_gzip() or _made_a_csrf_token()):
        return response
    body = response.get_data()
    if len(body) < MIN_COMPRESSED_BYTES:
        return response
    response.set_data(gzip.compress(body, GZIP_LEVEL, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag + "-gzip")
    return response


def _made_a_csrf_token() -> bool:
    """Flask-WTF keeps the token it generated for this request in ``g``: an answer that may carry it
    (``GET /api/v1/csrf-token``, or any future JSON that embeds one) is sent uncompressed."""
    return g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")) is not None


def add_static_version(endpoint: str, values: dict) -> None:
    """``url_for('static', filename=…)`` carries the file's version, so no template has to ask."""
    if endpoint == "static" and VERSION_ARG not in values and "filename" in values:
        version = _assets().version(values["filename"])
        if version is not None:
            values[VERSION_ARG] = version


def static_module_preloads(filename: str) -> list[str]:
    """The versioned URLs of the modules ``filename`` imports, for ``<link rel="modulepreload">``."""
    return [url_for("static", filename=name) for name in _assets().module_preloads(filename)]


class StaticFilesWithoutSession(VerifiedSessionCookies):
    """A static file does not depend on who asks. Flask-Login reads the session after every request,
    which would add ``Vary: Cookie`` to a static file, and a browser then refetches a file it keeps
    for a year whenever the session cookie has changed since. So a static answer never saves the
    session (nothing in a static request writes to it) and says nothing about cookies."""

    def save_session(self, app, session, response) -> None:
        if request.endpoint != "static":
            super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    if type(app.session_interface) is SecureCookieSessionInterface:
        app.session_interface = StaticFilesWithoutSession()
    app.extensions["cop.assets"] = StaticAssets(app.static_folder)
    app.view_functions["static"] = serve_static
    app.url_defaults(add_static_version)
    app.after_request(compress_response)
    app.jinja_env.globals["static_module_preloads"] = static_module_preloads
