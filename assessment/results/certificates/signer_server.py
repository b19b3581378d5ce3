"""The signer process (``cop signer serve --keys DIR --socket PATH``): the only holder of the
certificate signing keys when the app is configured with ``CERTIFICATE_SIGNER = "socket:PATH"``.

It runs as its own Unix user, the only one that can read the key folder, and answers on a Unix
domain socket made with mode 0660, so that only its owner and its group (the app's user joins that
group) can talk to it. It gives out public keys and signatures, and makes new keys; never a
private key. The wire format is in ``signing`` (a 4-byte length, then JSON).

Robust rather than clever: a thread per connection; each request is answered, a bad one with an
error reply, and the server keeps serving; a message over ``signing.MAX_MESSAGE`` is refused before
it is read, and that connection is closed (its stream cannot be trusted to resynchronise); an idle
connection is closed after ``IDLE_TIMEOUT`` seconds so a stuck client cannot hold a thread.

Pure on purpose: stdlib and ``cryptography`` (through ``keys``), no Flask, no database, no
configuration file: the command line names the key folder and the socket, and nothing else is read.
"""
from __future__ import annotations

import logging
import os
import signal
import socket
import socketserver
import stat
import threading
from pathlib import Path

from assessment.results.certificates import signing
from assessment.results.certificates.keys import Keyring

SOCKET_MODE = 0o660
IDLE_TIMEOUT = 10.0
log = logging.getLogger("cop.signer")


class StartupError(Exception):
    """The signer cannot start (the socket is in use, the key folder cannot be read): one line."""


def answer(signer: signing.KeyringSigner, request: dict) -> dict:
    """The reply to one request. Never raises for a bad request: the reply says what was wrong."""
    op = request.get("op")
    try:
        if op == "public_keys":
            return {"ok": True, "keys": [{"name": name, "jwk": jwk} for name, jwk in signer.public_keys()]}
        if op == "current_name":
            return {"ok": True, "name": signer.current_name()}
        if op == "sign":
            key = request.get("key")
            if not isinstance(key, str) or not key:
                return {"ok": False, "error": "sign needs the key name"}
            signature = signer.sign(key, signing.unb64(request.get("input")))
            log.info("signed with %s", key)
            return {"ok": True, "signature": signing.b64(signature)}
        if op == "rotate":
            name = signer.rotate()
            log.warning("rotated: new credentials are now signed with %s", name)
            return {"ok": True, "name": name}
        return {"ok": False, "error": f"unknown op {op!r}" if op is not None else "no op"}
    except signing.SigningRefused as error:
        return {"ok": False, "error": error.reason}
    except signing.ProtocolError as error:
        return {"ok": False, "error": str(error)}


class _Handler(socketserver.BaseRequestHandler):
    server: "_Server"

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(IDLE_TIMEOUT)
        while True:
            try:
                request = signing.read_message(conn)
            except (EOFError, OSError):  # the client closed, or went quiet: nothing to answer
                return
            except signing.MessageTooLong as error:
                self._reply({"ok": False, "error": str(error)})
                return  # its body is unread: close rather than guess where the next message starts
            except signing.ProtocolError as error:
                self._reply({"ok": False, "error": str(error)})
                continue
            try:
                with self.server.lock:  # one operation at a time: a rotation never interleaves with a signature
                    reply = answer(self.server.signer, request)
            except Exception:  # a fault of ours (an unreadable key file): say so, and keep serving
                log.exception("request failed")
                reply = {"ok": False, "error": "the signer failed to answer this request"}
            if not self._reply(reply):
                return

    def _reply(self, reply: dict) -> bool:
        try:
            self.request.sendall(signing.encode(reply))
            return True
        except OSError:
            return False


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True  # a stuck connection never stops the process from exiting

    def __init__(self, path: str, signer: signing.KeyringSigner) -> None:
        self.signer = signer
        self.lock = threading.Lock()
        super().__init__(path, _Handler, bind_and_activate=False)

    def server_bind(self) -> None:
        # Bind under a umask that leaves no permission beyond 0660, so the socket is never, even for a
        # moment, open to others; then set the mode exactly (the umask cannot add bits).
        old = os.umask(0o117)
        try:
            super().server_bind()
        finally:
            os.umask(old)
        os.chmod(self.server_address, SOCKET_MODE)


def _clear_stale_socket(path: Path) -> None:
    """A socket file left by a signer that died is removed; a live signer, or a file that is not a
    socket, stops this one from starting."""
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISSOCK(mode):
        raise StartupError(f"{path} exists and is not a socket; not replacing it")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()
            return
    raise StartupError(f"another signer is already serving on {path}")


def make_server(keys: str | Path, socket_path: str | Path) -> _Server:
    """A bound, listening server (not yet serving). The key folder is read now, so a folder this user
    cannot read fails at start, not at the first certificate."""
    signer = signing.KeyringSigner(Keyring(keys))
    try:
        signer.current_name()  # makes key-1 when the folder is new, as the in-process signer would
    except OSError as error:
        raise StartupError(f"cannot use the key folder {keys}: {error.strerror or error}") from None
    path = Path(socket_path)
    _clear_stale_socket(path)
    server = _Server(str(path), signer)
    try:
        server.server_bind()
        server.server_activate()
    except OSError as error:
        server.server_close()
        raise StartupError(f"cannot listen on {path}: {error.strerror or error}") from None
    return server


def serve(keys: str | Path, socket_path: str | Path, *, on_ready=None) -> None:
    """Serve until SIGTERM or SIGINT, then remove the socket file."""
    server = make_server(keys, socket_path)
    if threading.current_thread() is threading.main_thread():
        # systemd stops a service with SIGTERM: leave as on Ctrl-C, through the finally below.
        signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if on_ready is not None:
            on_ready()
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        try:
            os.unlink(socket_path)
        except FileNotFoundError:
            pass
