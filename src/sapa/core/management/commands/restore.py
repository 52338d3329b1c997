"""sapa restore FILE: put back a backup written by `sapa backup`.

Stop Sapa (web and worker) first: the database is replaced as a whole.
"""

import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from sapa.core.management.commands.backup import pg_args, pg_env


def _extract(source: Path, into: Path) -> None:
    """Unpack the archive into a temporary folder, member by member, so that a damaged
    (truncated, corrupted) archive is refused naming the file it breaks in, before
    anything of the current data is touched."""
    current = last = None
    try:
        with tarfile.open(source, "r:gz") as tar:
            for member in tar:
                current = member.name
                tar.extract(member, into, filter="data")
                last, current = current, None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        if current:
            where = f"the file {current} in it is damaged"
        elif last:
            where = f"it is cut off or damaged after the file {last}"
        else:
            raise CommandError(f"{source} is not a Sapa backup, or it is damaged ({exc}). "
                               "Nothing was changed.") from None
        raise CommandError(f"{source} cannot be restored: {where} ({type(exc).__name__}: {exc}). "
                           "Nothing was changed.") from None


class Command(BaseCommand):
    help = "Restore a backup archive written by `sapa backup` (stop Sapa first)."

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        source = Path(options["file"])
        if not source.is_file():
            raise CommandError(f"{source} does not exist")
        if not options["yes"]:
            answer = input("This replaces the whole database and media folder. Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("cancelled")
        db = settings.DATABASES["default"]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            _extract(source, tmp)
            if connection.vendor == "sqlite":
                dump = tmp / "database.sqlite3"
                if not dump.exists():
                    raise CommandError("this backup holds no SQLite database")
                connection.close()
                src = sqlite3.connect(dump)
                dst = sqlite3.connect(db["NAME"])
                with dst:
                    src.backup(dst)
                src.close()
                dst.close()
            else:
                dump = tmp / "database.pgdump"
                if not dump.exists():
                    raise CommandError("this backup holds no PostgreSQL dump")
                connection.close()
                result = subprocess.run(
                    ["pg_restore", "--clean", "--if-exists", "--no-owner", "-d", db["NAME"],
                     *pg_args(db), str(dump)],
                    env=pg_env(db), capture_output=True, text=True,
                )
                if result.returncode:
                    raise CommandError(f"pg_restore failed: {result.stderr.strip()}")
            media = tmp / "media"
            if media.exists() and hasattr(default_storage, "restore_from"):  # media on S3
                count = default_storage.restore_from(media)
                self.stdout.write(f"{count} media files put back in the bucket")
            elif media.exists():
                target = Path(settings.MEDIA_ROOT)
                if target.exists():
                    shutil.rmtree(target)
                shutil.copytree(media, target)
        self.stdout.write(f"restored from {source}")
