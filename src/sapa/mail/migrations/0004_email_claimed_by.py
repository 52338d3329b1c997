from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0003_deferred_rendering"),
    ]

    operations = [
        migrations.AddField(
            model_name="email",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=120),
        ),
    ]
