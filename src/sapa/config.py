"""Reading and checking configuration from the environment.

Kept free of Django imports so that `sapa` can check the environment before
Django starts and answer a wrong value with one clear line.
"""

import ipaddress
import os
from urllib.parse import parse_qs, unquote, urlparse

import dj_database_url


class ConfigError(Exception):
    """A configuration value is wrong; the message names the variable."""


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value (use 1 or 0)")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a whole number") from None


SQLITE_OPTIONS = {
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write
    # lock at BEGIN so that two writers queue on the busy timeout instead of
    # failing with "database is locked" when a read turns into a write.
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=30000;"
    ),
}


def parse_database_url(url: str) -> dict:
    """Turn DATABASE_URL into a Django DATABASES entry, or raise ConfigError."""
    parsed = urlparse(url)
    if parsed.scheme not in ("sqlite", "postgres", "postgresql", "pgsql"):
        raise ConfigError(
            f"DATABASE_URL: unsupported scheme {parsed.scheme!r}; "
            "use sqlite:////path/to/file.sqlite3 or postgres://user:pass@host:5432/name"
        )
    try:
        config = dj_database_url.parse(url, conn_max_age=0)
    except Exception as exc:  # dj_database_url raises several kinds
        raise ConfigError(f"DATABASE_URL could not be read: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if not config.get("NAME") or config["NAME"] == ":memory:":
            raise ConfigError("DATABASE_URL: a SQLite URL needs a file path")
        config["OPTIONS"] = dict(SQLITE_OPTIONS)
        # Django's backend plus one writer per process (see its docstring).
        config["ENGINE"] = "sapa.core.db.sqlite3"
        # Keep each thread's connection between requests: opening one (with the
        # pragmas) and closing it (the last close of a WAL database checkpoints)
        # cost two thirds of a page's time when done per request (docs/benchmarks.md).
        config["CONN_MAX_AGE"] = env_int("SAPA_DB_CONN_MAX_AGE", 60)
    else:
        if not config.get("NAME"):
            raise ConfigError("DATABASE_URL: the PostgreSQL URL names no database")
        config["CONN_MAX_AGE"] = env_int("SAPA_DB_CONN_MAX_AGE", 60)
        config["CONN_HEALTH_CHECKS"] = False
        config.setdefault("OPTIONS", {})["connect_timeout"] = 5
        config["OPTIONS"]["server_side_binding"] = True
    return config


def parse_smtp_url(url: str) -> dict:
    """SAPA_SMTP_URL: smtp://user:pass@host:port, smtps:// (SSL), smtp+tls:// (STARTTLS)
    or console:// (print mail instead of sending it)."""
    parsed = urlparse(url)
    result = {"host": "localhost", "port": 25, "user": "", "password": "",
              "use_tls": False, "use_ssl": False}
    if parsed.scheme == "console":
        return {**result, "backend": "django.core.mail.backends.console.EmailBackend"}
    if parsed.scheme == "locmem":
        return {**result, "backend": "django.core.mail.backends.locmem.EmailBackend"}
    if parsed.scheme not in ("smtp", "smtps", "smtp+tls"):
        raise ConfigError(
            f"SAPA_SMTP_URL: unsupported scheme {parsed.scheme!r}; "
            "use smtp://, smtp+tls://, smtps:// or console://"
        )
    if not parsed.hostname:
        raise ConfigError("SAPA_SMTP_URL names no host")
    query = parse_qs(parsed.query)
    try:
        port = parsed.port
    except ValueError:
        raise ConfigError("SAPA_SMTP_URL has a port that is not a number") from None
    return {
        "backend": "django.core.mail.backends.smtp.EmailBackend",
        "host": parsed.hostname,
        "port": port or (465 if parsed.scheme == "smtps" else 587 if parsed.scheme == "smtp+tls" else 25),
        "user": unquote(parsed.username or ""),
        "password": unquote(parsed.password or ""),
        "use_tls": parsed.scheme == "smtp+tls" or query.get("tls") == ["1"],
        "use_ssl": parsed.scheme == "smtps",
    }


def parse_rate(name: str, value: str) -> tuple[int, int] | None:
    """A rate limit "attempts/seconds" (e.g. "20/600"); None for "0", "off" or "".

    Raises ConfigError naming the variable when the value cannot be read.
    """
    text = (value or "").strip().lower()
    if text in ("", "0", "off", "none"):
        return None
    attempts, _, seconds = text.partition("/")
    try:
        parsed = int(attempts), int(seconds)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a rate; use attempts/seconds, e.g. 20/600") from None
    if parsed[0] <= 0 or parsed[1] <= 0:
        raise ConfigError(f"{name}={value!r}: attempts and seconds must be above 0 (or use off)")
    return parsed


def parse_networks(name: str, value: str) -> list:
    """Address ranges "10.0.0.0/8,192.168.1.0/24" (a single address is its own range); [] for "".

    Raises ConfigError naming the variable when a part is not a range, or has host bits set
    ("10.0.0.1/8": did you mean 10.0.0.0/8 or 10.0.0.1/32?).
    """

    networks = []
    for part in filter(None, (p.strip() for p in (value or "").split(","))):
        try:
            networks.append(ipaddress.ip_network(part, strict=True))
        except ValueError as exc:
            raise ConfigError(f"{name}: {part!r} is not an address range ({exc}); "
                              "write ranges like 10.0.0.0/8,192.168.1.0/24") from None
    return networks


def parse_api_urls(name: str, value: str, networks: tuple[str, ...]) -> dict[str, str]:
    """"telegram=http://127.0.0.1:8081,x=https://api.example" -> {network: address}; {} for ""."""
    urls = {}
    for part in filter(None, (p.strip() for p in (value or "").split(","))):
        network, _, url = part.partition("=")
        network, url = network.strip(), url.strip().rstrip("/")
        if network not in networks:
            raise ConfigError(f"{name}: {network!r} is not one of {', '.join(networks)}")
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ConfigError(f"{name}: {url!r} for {network} is not an http:// or https:// address")
        urls[network] = url
    return urls


SOCIAL_API_NETWORKS = ("facebook_page", "instagram", "telegram", "x")

# Defaults read by both settings.py and sapa.cli (which starts the server before Django).
DEFAULT_LIVE_STREAMS = 5000
DEFAULT_WORKER_THREADS = 4

# Whole-number variables with no other check than being one.
WHOLE_NUMBERS = (
    "SAPA_WORKER_THREADS", "SAPA_WEB_WORKERS", "SAPA_WEB_THREADS", "SAPA_PORT", "SAPA_TRUSTED_PROXIES",
    "SAPA_REGISTRATION_MIN_SECONDS", "SAPA_DB_CONN_MAX_AGE", "SAPA_LOGIN_ATTEMPTS", "SAPA_LOGIN_WINDOW",
    "SAPA_S3_URL_SECONDS", "SAPA_MAIL_MAX_ATTEMPTS", "SAPA_MAIL_RETRY_BASE", "SAPA_EMAIL_BODY_DAYS",
    "SAPA_HSTS_SECONDS", "SAPA_LIVE_STREAMS", "SAPA_LIVE_STREAMS_PER_EVENT", "SAPA_LIVE_STREAMS_PER_ADDRESS",
    "SAPA_LIVE_STREAM_SECONDS", "SAPA_SOCIAL_PUBLISH_LEASE", "SAPA_SOCIAL_MAX_ATTEMPTS", "SAPA_SOCIAL_RETRY_BASE",
    "SAPA_SOCIAL_REVIEW_DAYS", "SAPA_SOCIAL_HTTP_TIMEOUT", "SAPA_WORKER_HEARTBEAT", "SAPA_WORKER_GRACE",
)


def check_environment(connect: bool = True) -> None:
    """Check every variable, and (with connect) reach the database and Redis.

    Raises ConfigError with one line naming the variable and the problem.
    """
    for name in ("SAPA_DEBUG", "SAPA_HTTPS", "SAPA_DB_PGBOUNCER", "SAPA_ADMIN"):
        env_bool(name, False)
    if env_int("SAPA_DB_POOL_SIZE", 2) < 2:
        raise ConfigError("SAPA_DB_POOL_SIZE is too small; use at least 2")
    for name in WHOLE_NUMBERS:
        env_int(name, 0)
    parse_rate("SAPA_REGISTRATION_RATE", os.environ.get("SAPA_REGISTRATION_RATE", "150/600"))
    parse_rate("SAPA_CHECKIN_RATE", os.environ.get("SAPA_CHECKIN_RATE", "10/600"))
    parse_rate("SAPA_REGISTRATION_EMAIL_RATE", os.environ.get("SAPA_REGISTRATION_EMAIL_RATE", "5/600"))
    parse_networks("SAPA_OUTBOUND_ALLOW", os.environ.get("SAPA_OUTBOUND_ALLOW", ""))
    parse_api_urls("SAPA_SOCIAL_API_URLS", os.environ.get("SAPA_SOCIAL_API_URLS", ""), SOCIAL_API_NETWORKS)
    data_dir = os.path.abspath(os.environ.get("SAPA_DATA_DIR") or os.path.join(os.getcwd(), "data"))
    try:
        os.makedirs(data_dir, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"SAPA_DATA_DIR: cannot create {data_dir}: {exc.strerror}") from None
    if not os.access(data_dir, os.W_OK):
        raise ConfigError(f"SAPA_DATA_DIR: {data_dir} is not writable")
    db_url = os.environ.get("DATABASE_URL")
    if db_url:
        db_config = parse_database_url(db_url)
        if db_config["ENGINE"] == "sapa.core.db.sqlite3":
            folder = os.path.dirname(os.path.abspath(db_config["NAME"]))
            if not os.path.isdir(folder):
                raise ConfigError(f"DATABASE_URL: the folder {folder} of the SQLite file does not exist")
            if not os.access(folder, os.W_OK):
                raise ConfigError(f"DATABASE_URL: the folder {folder} of the SQLite file is not writable")
    parse_smtp_url(os.environ.get("SAPA_SMTP_URL", "console://"))
    redis_url = os.environ.get("REDIS_URL", "").strip()
    if redis_url and urlparse(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise ConfigError(f"REDIS_URL: unsupported scheme in {redis_url!r}; use redis://host:6379/0")
    if not connect:
        return
    if db_url and not db_url.startswith("sqlite"):
        # inside: optional: only to check the database at start (sapa check)
        import psycopg

        cfg = parse_database_url(db_url)
        try:
            psycopg.connect(
                host=cfg.get("HOST") or None, port=cfg.get("PORT") or None,
                user=cfg.get("USER") or None, password=cfg.get("PASSWORD") or None,
                dbname=cfg["NAME"], connect_timeout=5,
            ).close()
        except psycopg.OperationalError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ConfigError(f"DATABASE_URL: cannot connect to PostgreSQL: {first}") from None
    if redis_url:
        # inside: optional: only to check Redis at start (sapa check)
        import redis

        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3).ping()
        except (redis.RedisError, ValueError) as exc:
            raise ConfigError(f"REDIS_URL: cannot reach Redis at {redis_url}: {exc}") from None
