"""Does the database's schema match this release's code? (`sapa serve` and `sapa worker` ask.)

During a rolling release (docs/deployment.md, "Releases") the database is migrated once,
then the web and worker processes are replaced. A process whose code is older or newer
than the database would fail on the first query that touches a changed table, in front
of users; it refuses to start instead, with one line saying what to do.
"""

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migration_mismatch() -> str | None:
    """None when the database has exactly the migrations of the code, else the reason."""
    executor = MigrationExecutor(connection)
    loader = executor.loader
    pending = executor.migration_plan(loader.graph.leaf_nodes())
    known_apps = {app for app, _ in loader.disk_migrations}
    unknown = sorted(
        f"{app}.{name}" for app, name in loader.applied_migrations
        if app in known_apps and (app, name) not in loader.disk_migrations
    )
    if unknown:
        return (f"the database has {len(unknown)} migration(s) this code does not know "
                f"({', '.join(unknown[:3])}): it was migrated by a newer release; deploy that release")
    if pending:
        names = [f"{m.app_label}.{m.name}" for m, _ in pending]
        return (f"the database lacks {len(names)} migration(s) of this code ({', '.join(names[:3])}): "
                "run `sapa migrate` first")
    return None
