from django.db import migrations, models


def fill_description_links(apps, schema_editor):
    """Once filled by rendering every description; the column is replaced by the
    DescriptionLink table in 0003, whose migration queues every description for
    rendering instead, so nothing is left to do here."""


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("wiki", "0003_page_snapshot"),
    ]

    operations = [
        migrations.AddField(
            model_name="entry",
            name="description_links",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_description_links, migrations.RunPython.noop),
    ]
