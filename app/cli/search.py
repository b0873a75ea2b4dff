"""`flask search reindex`: rebuild the catalogue index from the database, with progress."""

from __future__ import annotations

import click

from app.cli.base import CommandGroup
from app.services import search

search_cli = CommandGroup("search", help="The catalogue search index.")


@search_cli.command("reindex")
def reindex() -> None:
    """Rebuild into a new index and swap it in atomically; searches answer throughout."""
    total = search.published_count()
    with click.progressbar(length=total, label="Indexing published plug-ins") as bar:
        last = 0

        def progress(done: int, _total: int | None = None) -> None:
            nonlocal last
            bar.update(done - last)
            last = done

        report = search.reindex(progress=progress)
    click.echo(
        f"Indexed {report.documents} plug-ins in {report.seconds:.1f} s "
        f"({len(report.skipped)} skipped) into {report.generation}."
    )
    for slug in report.skipped:
        click.echo(f"skipped: {slug}", err=True)
