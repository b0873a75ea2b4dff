"""`flask matching train | evaluate`: the learned ranker from the portal's outcomes."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

matching_cli = AppGroup("matching", help="The matching engine inside the portal.")


@matching_cli.command("train")
@click.option("--min-needs", default=3, show_default=True, help="Refuse to train on fewer needs.")
def train(min_needs: int) -> None:
    """Train the ranker on recorded outcomes (requested, quoted, awarded, rating) and save it."""
    from app.services import matching
    from app.services.outcomes import training_triples

    triples = training_triples()
    needs = {need.id for need, _, _ in triples}
    click.echo(f"{len(triples)} labelled pairs from {len(needs)} needs.")
    if len(needs) < min_needs:
        raise click.ClickException(
            f"too little feedback to learn from ({len(needs)} needs < {min_needs}); "
            "the hand-set prior stays in use"
        )
    engine = matching.engine()
    with click.progressbar(length=1, label="Training the pairwise ranker") as bar:
        try:
            engine.fit_ranker_triples(triples, source="portal outcomes")
        except ValueError as exc:  # e.g. no need has offerings with different outcomes yet
            raise click.ClickException(f"cannot train yet: {exc}") from None
        bar.update(1)
    path = matching.ranker_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    engine.ranker_.save(path)
    click.echo(f"Saved {engine.ranker_.version_} to {path}")
    click.echo(json.dumps(engine.ranker_.metrics_))


@matching_cli.command("evaluate")
@click.option("--k", default=10, show_default=True)
def evaluate(k: int) -> None:
    """Replay recorded outcomes against the current model: nDCG, MRR, recall."""
    import dataclasses

    from app.services import matching
    from app.services.outcomes import training_triples
    from matching.evaluate import evaluate as run

    grades: dict[str, tuple] = {}
    for need, slug, grade in training_triples():
        entry = grades.setdefault(need.id, (need, {}))
        entry[1][slug] = max(grade, entry[1].get(slug, 0))
    needs = [dataclasses.replace(n, relevant=g) for n, g in grades.values() if any(g.values())]
    if not needs:
        raise click.ClickException("no outcomes recorded yet: nothing to evaluate against")
    with click.progressbar(length=1, label=f"Ranking {len(needs)} needs") as bar:
        summary, _ = run(matching.engine(), needs, k=k)
        bar.update(1)
    click.echo(json.dumps(summary))
