"""Each classifier's own decision on a post (its label at its threshold), instead of a fixed
0.5 on its score. Posts processed before get the decision stored with their text's newest
result (the representative's, for a near-duplicate), as the pipeline now sets it."""

from django.db import migrations, models

POSITIVE = {"hate": ("is_hateful", "hateful"), "toxicity": ("is_toxic", "toxic"),
            "checkworthy": ("is_checkworthy", "yes")}  # fmt: skip
CHUNK = 2000


def backfill(apps, schema_editor):
    StepResult = apps.get_model("monitoring", "StepResult")
    DistinctText = apps.get_model("monitoring", "DistinctText")
    Post = apps.get_model("monitoring", "Post")
    newest: dict[tuple[int, str], bool] = {}
    rows = (
        StepResult.objects.filter(step__in=list(POSITIVE))
        .order_by("created_at", "id")
        .values_list("text_id", "step", "result")
    )
    for text_id, step, result in rows.iterator(chunk_size=CHUNK):
        label = result.get("label") if isinstance(result, dict) else None
        newest[(text_id, step)] = label == POSITIVE[step][1]
    if not newest:
        return
    rep_of = dict(
        DistinctText.objects.exclude(representative=None).values_list("id", "representative_id")
    )
    fields = [field for field, _ in POSITIVE.values()]
    batch = []
    for post in Post.objects.exclude(content=None).only("id", "content_id", *fields).iterator(
        chunk_size=CHUNK
    ):
        rep = rep_of.get(post.content_id, post.content_id)
        for step, (field, _) in POSITIVE.items():
            setattr(post, field, newest.get((rep, step), False))
        batch.append(post)
        if len(batch) >= CHUNK:
            Post.objects.bulk_update(batch, fields)
            batch = []
    if batch:
        Post.objects.bulk_update(batch, fields)


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0003_narrative_vector_space"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="is_checkworthy",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="post",
            name="is_hateful",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="post",
            name="is_toxic",
            field=models.BooleanField(default=False),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
