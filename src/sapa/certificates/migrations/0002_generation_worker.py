from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="generation",
            name="worker",
            field=models.CharField(blank=True, max_length=120),
        ),
    ]
