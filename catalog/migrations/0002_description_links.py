from django.db import migrations, models


def fill_description_links(apps, schema_editor):
    """Existing descriptions: note the targets they name (rendering them as a save would)."""
    from wiki.markup import render

    Entry = apps.get_model("catalog", "Entry")
    for entry in Entry.objects.exclude(description="").only("pk", "description"):
        names = sorted({f"{link.kind}:{link.key}" for link in render(entry.description).links})
        if names:
            Entry.objects.filter(pk=entry.pk).update(description_links=f"|{'|'.join(names)}|")


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
