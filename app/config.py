"""Settings. Safe defaults here; every value can be overridden by a `FLASK_…` environment
variable (Flask's `from_prefixed_env`, so `FLASK_MAIL_PORT=2525` gives the integer 2525)."""
import os

DEV_SECRET_KEY = "dev-only-not-secret"


class Config:
    """Defaults for a local run: SQLite in instance/, mail written to instance/mail/."""

    SECRET_KEY = DEV_SECRET_KEY
    # Set to 1 by `make run`: allows the development secret key. Never set it in production.
    DEVELOPMENT = False

    SQLALCHEMY_DATABASE_URI: str | None = None  # None: sqlite:///<instance>/campaign.db, set by create_app
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Public address of the site (https://…): every absolute link (mails, documents, feeds, API)
    # is built on it. Required in production; "" (local runs) means the request's host.
    SITE_URL = ""
    LANGUAGES = ("it", "en")
    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    BABEL_TRANSLATION_DIRECTORIES = "../translations"

    # Mail: Flask-Mailman settings. No MAIL_SERVER: mails are written to MAIL_FILE_PATH.
    MAIL_SERVER = ""
    # "": "file" without a MAIL_SERVER, else Flask-Mailman's default ("smtp"; "locmem" in tests).
    MAIL_BACKEND = ""
    MAIL_FILE_PATH = None  # None: instance/mail
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME = None
    MAIL_PASSWORD = None
    MAIL_TIMEOUT = 10
    MAIL_DEFAULT_SENDER = "noreply@localhost"  # a bare address gets the site name in the mail's language
    MAIL_MAX_ATTEMPTS = 8  # outbox: give up on a mail after this many failed sends
    # Mails that anyone's form can make us send to an address (confirm links, "already signed",
    # report confirmations), per address, across petition and registry; the rest are dropped.
    MAIL_PROMPTED_LIMIT = "3 per day"
    # How often an idle `flask mail send --loop` looks for new work, in seconds.
    MAIL_POLL_SECONDS = 0.5
    # How often the mail sender looks for a new press edition to render (0: never; then the
    # first download of each document renders it).
    PRESS_RENDER_SECONDS = 60
    # Emails of an update mailed to the signers who asked for news, queued per minute (all
    # senders together), so the outbox never holds more than a minute's worth ahead of confirm links.
    MAILING_PER_MINUTE = 120

    # Flask-Limiter. Memory by default; Redis in production (redis://host:6379/0).
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = False
    # Redis down: every limit fails open to per-worker memory (logged once, Redis retried with
    # back-off), and any other error of the limiter lets the request through.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_SIGN = "1 per minute;5 per 5 minutes"
    RATELIMIT_REPORT = "2 per minute;10 per hour"
    RATELIMIT_LOGIN = "5 per minute;20 per hour"
    RATELIMIT_ENDORSE = "2 per minute;10 per hour"  # endorsements (app/campaign)

    # Key for the keyed hash of client IPs (defaults to SECRET_KEY).
    IP_HASH_KEY = None
    # Number of proxies in front of the app whose X-Forwarded-* headers are trusted (ProxyFix).
    PROXY_COUNT = 0

    # Report screenshots: the most pixels one may have (read from its header before decoding;
    # 4096 × 8192 lets any phone's long screenshot pass), how many a worker decodes at once, and
    # how long (s) a report waits for its turn before being asked to send again.
    IMAGE_MAX_PIXELS = 4096 * 8192
    IMAGE_DECODE_CONCURRENCY = 1
    IMAGE_DECODE_WAIT = 20

    WTF_CSRF_ENABLED = True  # the back office's tokens (public forms are checked by origin instead)
    WTF_CSRF_TIME_LIMIT = None  # a form left open for hours must still submit
    MAX_CONTENT_LENGTH = 30 * 1024 * 1024  # five 5 MB screenshots plus the form

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = None  # None: on in production, off for local runs and tests
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # moderators' sessions expire after 8 hours
    # Back office: a session ends after this many seconds without a request, and after
    # ADMIN_SESSION_MAX in any case (checked on the server: a copied cookie expires too).
    ADMIN_SESSION_IDLE = 30 * 60
    ADMIN_SESSION_MAX = 8 * 3600
    # Failed logins: this many from one address within the window lock that address out of the
    # account for the duration; past ADMIN_SLOW_AFTER failures from everywhere in the window,
    # each address gets one wrong try. The right password and code from elsewhere still pass.
    ADMIN_LOCK_AFTER = 5
    ADMIN_LOCK_WINDOW = 15 * 60
    ADMIN_LOCK_DURATION = 15 * 60
    ADMIN_SLOW_AFTER = 20
    ADMIN_TOTP_ISSUER = "Cara Umanità"  # the name authenticator apps show for the account
    ARGON2_TEST_PARAMS = False  # True: the cheapest password hashing, for the test suite only

    # Moderators get a mail when one IP hash or email domain passes this many signatures in an
    # hour (at most once an hour per key; 0 turns the mail off); the mail sender looks at most
    # every TRENDING_CHECK_SECONDS seconds, after a round that registered signatures.
    TRENDING_ALERT = 100
    TRENDING_CHECK_SECONDS = 60
    # Back office: a digest mail to every active moderator when confirmed reports or held
    # signatures have waited longer than this many hours, at most once in that many hours
    # (sent by the mail sender, or `flask moderator digest` from cron); 0 turns it off.
    QUEUE_ALERT_HOURS = 12

    PRESS_CONTACT = ""  # shown on the press and privacy pages when set; `make run` warns while empty
    # The privacy notice (GDPR art. 13): who the data controller is (name and postal address)
    # and where to write about personal data. `make run` warns while they are empty.
    DATA_CONTROLLER = ""
    PRIVACY_CONTACT = ""
    # Retention, used by the code and shown on the privacy notice (so the two cannot differ):
    SIGNATURE_LINK_DAYS = 7  # a signature's confirm link works this long; unconfirmed, it is erased then
    REPORT_LINK_DAYS = 7  # the same for a report (with its screenshots)
    IP_HASH_DAYS = 30  # the keyed hash of a signer's or reporter's IP is dropped after this
    # Where generated documents (PDFs, ZIP) and uploads are kept; None: inside instance/.
    DOCUMENTS_DIR = None
    UPLOADS_DIR = None

    # Flask-Caching: figures and lists computed for everyone. SimpleCache (per process) on a
    # laptop; RedisCache (CACHE_REDIS_URL) in production, shared by every worker and instance.
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL = ""
    CACHE_KEY_PREFIX = "campaign:"
    # The figures (signature count …) are recomputed at most this often; confirming,
    # withdrawing and publishing clear them at once.
    CACHE_DEFAULT_TIMEOUT = 10
    # Pages that are the same for every visitor: `Cache-Control: public, max-age=…,
    # stale-while-revalidate=…` for browsers and the proxy in front (deploy/nginx.conf).
    PUBLIC_MAX_AGE = 10
    PUBLIC_STALE_SECONDS = 30


class TestConfig(Config):
    """For the test suite: a throwaway database, no CSRF (tests that are about it turn it on)."""

    TESTING = True
    SECRET_KEY = "test-secret"
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    SITE_URL = "http://localhost"
    SQLALCHEMY_DATABASE_URI = os.environ.get("TEST_DATABASE_URI", "sqlite://")
    ARGON2_TEST_PARAMS = True  # cheap password hashing in tests
    CACHE_TYPE = "NullCache"  # each test sees its own writes; tests/test_http_cache.py turns it on
    CACHE_NO_NULL_WARNING = True
    PRESS_RENDER_SECONDS = 0  # the sender's round after each test request renders no PDFs
