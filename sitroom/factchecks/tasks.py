"""Background work of the fact-check library: thin wrappers around services."""

from __future__ import annotations

from sitroom.lib.tasks import durable_task


@durable_task(queue_name="matching")
def factcheck_index_update(article_id: int) -> str:
    """Bring the matching index in line with one article (published: in; otherwise: out)."""
    from sitroom.factchecks.services import factcheck_index_apply

    return factcheck_index_apply(article_id=article_id)


@durable_task(queue_name="matching")
def factchecks_rebuild_index() -> str:
    """Rebuild the index from the published articles (after the embedder changed)."""
    from sitroom.factchecks.index import forget_readers
    from sitroom.factchecks.services import factchecks_reindex

    indexed, removed = factchecks_reindex()
    forget_readers()
    return f"indexed {indexed}, removed {removed}"


@durable_task(queue_name="default")
def factchecks_import_url(*, run_id: int, url: str) -> None:
    """Fetch a ClaimReview feed or page (with a timeout and a size limit) and import it."""
    from sitroom.factchecks.imports import import_run_fetch_and_process

    import_run_fetch_and_process(run_id=run_id, url=url)
