from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="WorkerBeat",
            fields=[
                ("name", models.CharField(max_length=120, primary_key=True, serialize=False)),
                ("started_at", models.DateTimeField()),
                ("seen_at", models.DateTimeField(db_index=True)),
            ],
        ),
        migrations.CreateModel(
            name="PeriodicRun",
            fields=[
                ("name", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("slot", models.DateTimeField()),
                ("holder", models.CharField(blank=True, max_length=120)),
                ("lease_until", models.DateTimeField()),
            ],
        ),
    ]
