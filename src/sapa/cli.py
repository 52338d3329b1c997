"""The `sapa` command: Django's management commands plus run, worker, demo, backup, restore.

    sapa run        migrate, then serve (granian) and run the worker (huey) together
    sapa worker     the job worker alone (for a separate worker machine)
    sapa serve      the web server alone (for a separate web machine)
    sapa demo       load the demo library (safe to run twice)
    sapa backup F   write a backup archive (database and media) to F
    sapa restore F  restore a backup archive
    sapa <command>  any Django management command (migrate, createsuperuser, ...)
"""

import os
import signal
import socket
import subprocess
import sys
import time

from sapa.config import DEFAULT_LIVE_STREAMS, ConfigError, check_environment, env_int

# Commands that need neither the database nor Redis.
OFFLINE = {"help", "--help", "-h", "makemessages", "compilemessages", "check", "version", "--version",
           "verify_draw"}


def _fail(message: str) -> None:
    print(f"sapa: error: {message}", file=sys.stderr)
    sys.exit(2)


def _setup_django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    # inside: the CLI's commands that need no Django (sapa --help) do not load it
    import django

    django.setup()


def _refuse_schema_mismatch() -> None:
    """A web server or worker never runs against a database migrated for other code."""
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from sapa.core.schema import migration_mismatch

    problem = migration_mismatch()
    if problem:
        _fail(f"not starting: {problem}")


def _reset_metrics() -> None:
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from sapa.core.metrics import reset_directory

    reset_directory()


def _manage(*args: str, **options) -> None:
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.core.management import call_command

    call_command(*args, **options)


def _server_command(host: str, port: int) -> list[str]:
    workers = env_int("SAPA_WEB_WORKERS", 0) or max(os.cpu_count() or 1, 1)
    # sapa.server (RSGI): pages on a pool of SAPA_WEB_THREADS threads per process, the
    # live board's streams on the event loop (decision 6). Each process takes up to
    # SAPA_LIVE_STREAMS streams plus room for pages at once (granian's backpressure).
    streams = env_int("SAPA_LIVE_STREAMS", DEFAULT_LIVE_STREAMS)  # the default settings.py uses
    return [
        sys.executable, "-m", "granian", "--interface", "rsgi", "sapa.server:app",
        "--host", host, "--port", str(port), "--workers", str(workers),
        "--backlog", "4096", "--backpressure", str(streams + 512),
        "--no-ws", "--log-level", os.environ.get("SAPA_SERVER_LOG_LEVEL", "warning"),
    ]


# Held while this `sapa run`/`sapa serve` lives (see _check_port_free).
_PORT_LOCK = None


def _check_port_free(host: str, port: int, *, hold: bool = True) -> None:
    """Stop with one line when the address is taken (say a second `sapa run`).

    granian binds with SO_REUSEPORT, so a second server would start beside the first and
    share its requests. Two checks: a plain bind of the port (another program, or a Sapa
    already serving), and a lock that a Sapa holds from its start, through its migrations,
    until it stops: a Linux abstract socket named after the address, freed by the kernel
    when the process ends however it ends (elsewhere the first check alone).
    """
    global _PORT_LOCK
    message = (f"cannot serve on {host}:{port}: %s (is Sapa already running? stop it, or choose "
               f"another port with SAPA_PORT)")
    if sys.platform.startswith("linux"):
        lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            lock.bind(f"\0sapa-serving:{host}:{port}")
        except OSError:
            lock.close()
            _fail(message % "another Sapa is starting or serving there")
        if hold:
            _PORT_LOCK = lock
        else:
            lock.close()
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed server's TIME_WAIT is no owner
        try:
            sock.bind((host, port))
        except OSError as exc:
            _fail(message % (exc.strerror or exc))


def _site_lines(host: str, port: int) -> list[str]:
    """The full addresses to open: the login page and the public site (each library's page)."""
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.urls import reverse

    from sapa.libraries.models import Library

    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
    base = f"http://{shown}:{port}"
    lines = [f"sapa: staff login:  {base}{reverse('login')}", f"sapa: public site:  {base}/"]
    for slug in Library.objects.order_by("pk").values_list("slug", flat=True)[:3]:
        lines.append(f"sapa: library page: {base}/{slug}/")
    return lines


def _worker_command() -> list[str]:
    # Quiet beside the web server: warnings and errors only, not every job.
    return [sys.executable, "-m", "sapa.cli", "worker", "--quiet"]


def _die_with_parent(parent: int):
    """preexec_fn of a child: on Linux, SIGTERM when the supervisor dies, however it dies
    (SIGKILL included); the child sits in its own session, out of reach of its group."""

    def preexec():
        try:
            # inside: optional: only on Linux, in the child before it runs
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return  # not Linux: the supervisor's own SIGTERM handler still stops it
        if os.getppid() != parent:  # the supervisor died before prctl
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


# A child that dies is started again after 1, 2, 4 ... 30 s; one that ran this long
# before dying starts again at once. Ten quick deaths in a row: the supervisor gives up.
RESTART_BACKOFF_MAX = 30
HEALTHY_AFTER = 60
GIVE_UP_AFTER = 10


def _supervise(commands: dict[str, list[str]], grace: float = 30) -> int:
    """Run the processes together and start again any that dies (with backoff); Ctrl-C or
    SIGTERM stops all (each gets SIGTERM, then `grace` seconds, then SIGKILL)."""
    me = os.getpid()

    def start(cmd):
        return subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent(me))  # noqa: PLW1509

    procs = {name: start(cmd) for name, cmd in commands.items()}
    started = {name: time.monotonic() for name in procs}
    failures = dict.fromkeys(procs, 0)
    restart_at: dict[str, float] = {}
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    exit_code = 0
    try:
        while not stopping:
            now = time.monotonic()
            for name, proc in procs.items():
                if name in restart_at:
                    if now >= restart_at[name]:
                        del restart_at[name]
                        procs[name] = start(commands[name])
                        started[name] = now
                        print(f"sapa: {name} started again", file=sys.stderr, flush=True)
                    continue
                if proc.poll() is None:
                    continue
                failures[name] = 0 if now - started[name] >= HEALTHY_AFTER else failures[name] + 1
                if failures[name] >= GIVE_UP_AFTER:
                    print(f"sapa: {name} stopped (exit {proc.returncode}) {failures[name]} times in a row; "
                          "stopping the rest", file=sys.stderr, flush=True)
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
                delay = min(2 ** max(failures[name] - 1, 0), RESTART_BACKOFF_MAX) if failures[name] else 0
                print(f"sapa: {name} stopped (exit {proc.returncode}); starting it again in {delay} s",
                      file=sys.stderr, flush=True)
                restart_at[name] = now + delay
            time.sleep(0.2)
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + grace
        for proc in procs.values():
            try:
                proc.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    print("sapa: stopped", file=sys.stderr)
    return exit_code


def cmd_run(args: list[str]) -> int:
    host = os.environ.get("SAPA_HOST", "127.0.0.1")
    port = env_int("SAPA_PORT", 8000)
    check_only = "--check-port" in args  # ./run asks before it migrates and loads the demo
    _check_port_free(host, port, hold=not check_only)
    if check_only:
        return 0
    _setup_django()
    _manage("migrate", "--no-input", verbosity=0)
    _manage("collectstatic", "--no-input", verbosity=0)
    _reset_metrics()
    print(f"sapa: serving on http://{host}:{port}/ with the worker; Ctrl-C stops both", flush=True)
    print("\n".join(_site_lines(host, port)), flush=True)
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.conf import settings

    return _supervise({"web": _server_command(host, port), "worker": _worker_command()},
                      grace=settings.WORKER_GRACE_SECONDS + 5)


def cmd_serve(args: list[str]) -> int:
    host = os.environ.get("SAPA_HOST", "127.0.0.1")
    port = env_int("SAPA_PORT", 8000)
    _check_port_free(host, port)
    _setup_django()
    _refuse_schema_mismatch()
    _manage("collectstatic", "--no-input", verbosity=0)
    _reset_metrics()
    return _supervise({"web": _server_command(host, port)})


def _load_recoverers() -> None:
    """The apps' tasks modules register their recoverers (sapa.core.workers.recoverer)."""
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from huey.contrib.djhuey import HUEY  # noqa: F401 - importing djhuey imports every app's tasks

    import sapa.certificates.tasks  # noqa: F401
    import sapa.mail.tasks  # noqa: F401


def _check_pooled_connections() -> None:
    """In the worker, a (pooled) connection is checked before a job uses it: after PostgreSQL
    restarts every idle connection in the pool is dead, and a job that takes one fails (the web
    answers such a request 503; a job would wait for its retry or the sweep)."""
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.conf import settings

    settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] = True


def cmd_worker(args: list[str]) -> int:
    _setup_django()
    _refuse_schema_mismatch()
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.core.management import call_command
    from huey.contrib.djhuey import HUEY

    from sapa.core import workers

    # SIGTERM (systemd, Kubernetes, `sapa run`) stops gracefully: no new jobs, the running
    # ones get SAPA_WORKER_GRACE seconds (settings.HUEY), then what is left is handed back.
    HUEY.create_consumer = lambda **options: workers.make_consumer(HUEY, **options)
    workers.install(HUEY)
    _check_pooled_connections()
    beating = workers.start_heartbeat()
    _load_recoverers()
    workers.recover()  # jobs a dead worker (the one this replaces, say) left half done
    try:
        call_command("run_huey", *args)
    finally:
        beating.set()
        workers.stopping.set()
        try:
            workers.recover_own()
        finally:
            workers.forget()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "verify-draw":  # the management command verify_draw (sapa.prizes)
        argv[0] = "verify_draw"
    command = argv[0] if argv else "help"
    try:
        check_environment(connect=command not in OFFLINE)
    except ConfigError as exc:
        _fail(str(exc))
    if command == "run":
        return cmd_run(argv[1:])
    if command == "serve":
        return cmd_serve(argv[1:])
    if command == "worker":
        return cmd_worker(argv[1:])
    if command in ("help", "--help", "-h"):
        print(__doc__)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
        # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
        from django.core.management import execute_from_command_line

        execute_from_command_line(["sapa", "help"])
        return 0
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sapa.settings")
    # inside: apps not ready at import (the CLI sets Django up first, in _setup_django)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sapa", *argv])
    return 0


if __name__ == "__main__":
    sys.exit(main())
