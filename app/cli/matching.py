"""`flask matching train | models | promote | rollback | evaluate`: guarded learning.

A trained ranker goes live only when ``app.services.ranker_models`` finds it better on
held-out outcomes and no worse on the labelled check set; otherwise it is kept and listed.
"""

from __future__ import annotations

import dataclasses
import json

import click

from app.cli.base import CommandGroup
from app.errors import DomainError
from app.extensions import db
from app.services import matching, ranker_models
from app.services.outcomes import training_triples
from matching.evaluate import evaluate as run

matching_cli = CommandGroup("matching", help="The matching engine inside the portal.")


def _fail(exc: DomainError) -> click.ClickException:
    db.session.rollback()
    return click.ClickException(exc.message)


@matching_cli.command("train")
@click.option("--min-needs", default=3, show_default=True, help="Refuse to train on fewer needs.")
def train(min_needs: int) -> None:
    """Train a candidate ranker on recorded outcomes; it goes live only if the guard agrees."""
    with click.progressbar(length=3, label="Training and judging a candidate ranker") as bar:
        engine = matching.engine()
        bar.update(1)
        try:
            model = ranker_models.train(engine, min_needs=min_needs)
        except DomainError as exc:
            raise _fail(exc) from None
        bar.update(1)
        db.session.commit()
        bar.update(1)
    state = "LIVE" if model.accepted else "kept, not used"
    click.echo(f"Model {model.id} {model.version}: {state} — {model.verdict}")
    click.echo(f"Weights: {ranker_models.weights_line(model)}")
    click.echo(json.dumps(model.metrics, ensure_ascii=False))


@matching_cli.command("models")
def models() -> None:
    """Every trained model with its figures; the live one is marked with *."""
    rows = ranker_models.list_models()
    if not rows:
        click.echo("No trained model yet: the default model ranks every need.")
        return
    if ranker_models.live_model() is None:
        click.echo("No trained model is live: the default model ranks every need.")
    for model in rows:
        m = model.metrics
        held, check = m.get("heldout_ndcg@10", {}), m.get("check_ndcg@10", {})
        mark = "*" if model.status.value == "live" else " "
        click.echo(
            f"{mark} {model.id:>3} {model.version:<40} {model.status.value:<9} "
            f"{'accepted' if model.accepted else 'refused':<8} {model.created_at:%Y-%m-%d %H:%M}"
        )
        click.echo(
            f"      held-out nDCG@10 {held.get('candidate', '-')} vs live {held.get('live', '-')}"
            f" on {m.get('heldout_needs', 0)} needs; check set {m.get('check_set', 'none')}"
            f" {check.get('candidate', '-')} vs {check.get('live', '-')}"
        )
        click.echo(f"      {model.verdict}")
        click.echo(f"      weights {ranker_models.weights_line(model)}")


@matching_cli.command("promote")
@click.argument("model_id", type=int)
@click.option("--reason", default=None, help="Why, for the audit log.")
def promote(model_id: int, reason: str | None) -> None:
    """Put model MODEL_ID live (also one the guard refused: an operator's decision)."""
    try:
        model = ranker_models.promote(model_id, reason)
    except DomainError as exc:
        raise _fail(exc) from None
    db.session.commit()
    click.echo(f"Model {model.id} {model.version} is live.")


@matching_cli.command("rollback")
def rollback() -> None:
    """Retire the live model; the one live before it (or the default model) ranks again."""
    try:
        restored = ranker_models.rollback()
    except DomainError as exc:
        raise _fail(exc) from None
    db.session.commit()
    if restored is None:
        click.echo("Rolled back: the default model ranks every need.")
    else:
        click.echo(f"Rolled back: model {restored.id} {restored.version} is live again.")


@matching_cli.command("evaluate")
@click.option("--k", default=10, show_default=True)
def evaluate(k: int) -> None:
    """Replay recorded outcomes against the live model: nDCG, MRR, recall."""
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
