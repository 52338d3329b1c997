"""sapa backup FILE: the database and the media (folder, or S3 bucket) in one .tar.gz.

SQLite is copied with its online backup API (consistent while Sapa runs);
PostgreSQL with pg_dump's custom format.
"""

import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone


def pg_env(db: dict) -> dict:
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    return env


def pg_args(db: dict) -> list[str]:
    args = []
    if db.get("HOST"):
        args += ["-h", db["HOST"]]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    if db.get("USER"):
        args += ["-U", db["USER"]]
    return args


class Command(BaseCommand):
    help = "Write a backup archive (database and media) to FILE."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="where to write (default: data/backups/sapa-<time>.tar.gz)")

    def handle(self, *args, **options):
        target = options["file"]
        if not target:
            folder = settings.DATA_DIR / "backups"
            folder.mkdir(exist_ok=True)
            target = folder / f"sapa-{timezone.now():%Y%m%d-%H%M%S}.tar.gz"
        target = Path(target)
        db = settings.DATABASES["default"]
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            if connection.vendor == "sqlite":
                dump = tmp / "database.sqlite3"
                src = sqlite3.connect(db["NAME"])
                dst = sqlite3.connect(dump)
                with dst:
                    src.backup(dst)
                src.close()
                dst.close()
            elif connection.vendor == "postgresql":
                dump = tmp / "database.pgdump"
                result = subprocess.run(
                    ["pg_dump", "-Fc", "--no-owner", "-f", str(dump), *pg_args(db), db["NAME"]],
                    env=pg_env(db), capture_output=True, text=True,
                )
                if result.returncode:
                    raise CommandError(f"pg_dump failed: {result.stderr.strip()}")
            else:
                raise CommandError(f"backups of {connection.vendor} are not supported")
            with tarfile.open(target, "w:gz") as tar:
                tar.add(dump, arcname=dump.name)
                if hasattr(default_storage, "backup_into"):  # media on S3 (sapa.core.s3)
                    count = default_storage.backup_into(tar)
                    self.stdout.write(f"{count} media files copied from the bucket")
                else:
                    media = Path(settings.MEDIA_ROOT)
                    if media.exists():
                        tar.add(media, arcname="media")
        self.stdout.write(f"backup written to {target}")
