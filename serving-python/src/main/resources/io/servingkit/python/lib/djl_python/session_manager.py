"""Stateful sessions for handlers: `from djl_python import SessionManager, Session`.

A session is a folder of values that every worker of a model can read and write. The client carries the session
id from one request to the next in the X-Amzn-SageMaker-Session-Id header: the handler puts it on the answer that
creates the session (Output.add_property) and reads it back with Input.get_property on later requests.

Folders live under the `sessions_path` property when the handler's initialisation properties give one; otherwise
under the folder ServingKit gives each model of each server (SERVINGKIT_SESSIONS_PATH, so that two servers never
share sessions), and outside a server (djl_python.test_model) under /dev/shm/djl_sessions or the temp folder, as
DJL Serving does. Sessions older than `sessions_expiration` seconds (default 1200) are removed when a new one is
created.
"""

import logging
import os
import pickle
import re
import shutil
import tempfile
import time
import uuid

_log = logging.getLogger("djl_python.session_manager")

_SESSION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DEFAULT_EXPIRATION = 20 * 60


class Session(object):
    """One session's values, each a file in the session's folder (pickled, or raw for numpy memory maps)."""

    def __init__(self, session_id, session_root):
        self.session_id = session_id
        self.files_path = os.path.join(session_root, session_id)

    def put(self, key, value):
        """Stores any picklable value under key."""
        with open(self._path(key), "wb") as f:
            pickle.dump(value, f)

    def get(self, key, d=None):
        """The value stored under key, or d when there is none."""
        path = self._path(key)
        if not os.path.isfile(path):
            return d
        with open(path, "rb") as f:
            return pickle.load(f)

    def get_as_numpy(self, key, shape, dtype=None, create=False):
        """A numpy memory map of the given shape over the file of key (float32 unless dtype says otherwise);
        create=True makes a new, zeroed one. Writes to the array are seen by every worker."""
        import numpy as np
        dtype = np.float32 if dtype is None else dtype
        path = self._path(key)
        if create:
            return np.memmap(path, dtype=dtype, mode="w+", shape=shape)
        return np.memmap(path, dtype=dtype, mode="r+", shape=shape)

    def remove(self):
        """Deletes the session's folder; False when it was already gone."""
        if not os.path.isdir(self.files_path):
            _log.warning("session not found: %s", self.session_id)
            return False
        _log.info("closing session: %s", self.session_id)
        shutil.rmtree(self.files_path, ignore_errors=True)
        return True

    def _path(self, key):
        return os.path.join(self.files_path, key.replace("/", "-"))


class SessionManager(object):
    """Creates, finds and closes sessions; built from the handler's initialisation properties."""

    def __init__(self, properties):
        properties = properties or {}
        self.expiration = int(properties.get("sessions_expiration", _DEFAULT_EXPIRATION))
        self.sessions_path = properties.get("sessions_path") or _default_root()
        if properties.get("sessions_s3url"):
            _log.warning("sessions_s3url is not supported by ServingKit; sessions stay in %s", self.sessions_path)
        os.makedirs(self.sessions_path, exist_ok=True)

    def create_session(self):
        """A new, empty session with a random id; expired sessions are removed first."""
        self._clean_expired_sessions()
        session = Session(str(uuid.uuid4()), self.sessions_path)
        os.makedirs(session.files_path)
        now = time.time()
        session.put(".creation_time", now)
        session.put(".expiration_time", now + self.expiration)
        return session

    def get_session(self, session_id):
        """The session with this id, or None when it does not exist (closed or expired).

        Raises ValueError when session_id is not a session id at all."""
        _check_id(session_id)
        session = Session(session_id, self.sessions_path)
        return session if os.path.isdir(session.files_path) else None

    def close_session(self, session_id):
        """Removes the session; raises ValueError when session_id is not a session id."""
        _check_id(session_id)
        Session(session_id, self.sessions_path).remove()

    def _clean_expired_sessions(self):
        now = time.time()
        for name in os.listdir(self.sessions_path):
            if not _SESSION_ID.match(name):
                continue
            session = Session(name, self.sessions_path)
            try:
                created = session.get(".creation_time")
            except (OSError, EOFError, pickle.UnpicklingError):
                created = None
            if created is not None and now - created > self.expiration:
                session.remove()


def _check_id(session_id):
    if not session_id or not _SESSION_ID.match(session_id):
        raise ValueError("invalid session_id: %s" % session_id)


def _default_root():
    given = os.environ.get("SERVINGKIT_SESSIONS_PATH")
    if given:
        return given
    if os.path.isdir("/dev/shm"):
        return "/dev/shm/djl_sessions"
    return os.path.join(tempfile.gettempdir(), "djl_sessions")
