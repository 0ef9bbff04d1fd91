"""Test settings: the real settings module, read with a test environment.

pytest-django imports settings before any conftest runs, so the environment for tests is set
here: no developer .env, a throw-away key, embedded defaults unless DATABASE_URL/REDIS_URL are
given (as .ci/run does for the PostgreSQL and Redis run).
"""

import os

os.environ["LERNEN25_DOTENV"] = os.devnull
os.environ.setdefault("SECRET_KEY", "tests-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("STATIC_MANIFEST", "false")
os.environ.setdefault("SECURE_SSL_REDIRECT", "false")
os.environ.setdefault("EMAIL_URL", "memorymail://")

# Parallel runs (pytest-xdist): each worker has its own database; give it its own Redis database
# too, so that one worker's cache.clear() or channel-layer groups (PLG ids repeat across the
# workers' databases) never reach the other. Set in the environment, so that the daphne processes
# a test starts (test_scale_out) use the same one.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
if os.environ.get("REDIS_URL") and _worker.startswith("gw"):
    from urllib.parse import urlsplit, urlunsplit

    _url = urlsplit(os.environ["REDIS_URL"])
    os.environ["REDIS_URL"] = urlunsplit(_url._replace(path=f"/{1 + int(_worker[2:])}"))

from lernen25.settings import *  # noqa: E402  (after the environment above)

# Speed: a fast hasher for the many accounts the tests make.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# WhiteNoise warns when STATIC_ROOT is missing; tests serve from the finders.
STATIC_ROOT = VAR_DIR / "test-static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
