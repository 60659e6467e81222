"""`oversight`: run experiments and list the built-in ones."""

from __future__ import annotations

import math
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from oversight.experiments import spec as specs
from oversight.experiments.runner import expand, run_experiment, summarise

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="oversight-lab: experiments on RLHF and scalable oversight.")
console = Console(width=None if sys.stdout.isatty() else 120)  # logs and pipes get 120


def fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(2)


@app.command("list")
def list_experiments() -> None:
    """The built-in experiments, one per line: name, then description."""
    for name in specs.builtin_names():
        typer.echo(f"{name:<16}{specs.load(name).description}")


@app.command()
def run(
    experiment: Annotated[str, typer.Argument(help="built-in name or path to a .toml")] = "default",
    seeds: Annotated[int | None, typer.Option(help="seeds per arm (overrides the file)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [results/NAME-TIMESTAMP]")] = None,
    workers: Annotated[int | None, typer.Option(help="parallel processes [cores]")] = None,
) -> None:
    """Run an experiment (the default one when none is named) and print its table."""
    try:
        spec = specs.load(experiment)
    except specs.SpecError as e:
        fail(str(e))
    if seeds is not None:
        if seeds < 1:
            fail(f"--seeds must be at least 1, got {seeds}")
        spec = spec.model_copy(update={"seeds": seeds})
    if workers is not None and workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    out = out or Path("results") / f"{spec.name}-{datetime.now():%Y%m%d-%H%M%S}"
    total = len(expand(spec))
    console.print(f"[bold]{spec.name}[/]: {spec.description}\n{len(spec.arms)} arms × "
                  f"{spec.seeds} seeds = {total} runs on {workers or os.cpu_count()} workers "
                  f"→ {out}", highlight=False)
    failed: list[dict[str, Any]] = []
    with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console, transient=True) as progress:
        task = progress.add_task("runs", total=None)

        def on_result(record: dict[str, Any], i: int, n: int) -> None:
            progress.update(task, completed=i, total=n)
            if record["status"] == "failed":
                failed.append(record)

        try:
            records = run_experiment(spec, out, workers, on_result)
        except KeyboardInterrupt:
            console.print(f"[yellow]interrupted[/]: finished runs are kept in {out}; "
                          f"run again with --out {out} to resume")
            raise typer.Exit(130) from None
    for r in failed:
        console.print(f"[red]run failed[/] {r['arm']} seed {r['seed']}: {r['error']}",
                      highlight=False)
    console.print()
    print_table(summarise(spec, records))
    console.print(f"summary: {out / 'summary.csv'}   runs: {out / 'runs.jsonl'}",
                  highlight=False)
    if failed:
        raise typer.Exit(1)


def _fmt(mean: float, half: float | None = None, pct: bool = False) -> str:
    if mean is None or math.isnan(mean):
        return "–"
    scale, unit = (100, "%") if pct else (1, "")
    text = f"{mean * scale:.{0 if pct else 2}f}{unit}"
    if half is not None and not math.isnan(half) and half > 0:
        text += f" ± {half * scale:.{0 if pct else 2}f}"
    return text


COLUMNS = [  # heading, summary stem, as a percentage, with its CI
    ("true return", "true_return_norm", False, True),
    ("perceived", "perceived_return_norm", False, True),
    ("deceived", "deception_rate", True, True),
    ("abstained", "abstain_rate", True, False),
    ("hazard train", "catastrophe_rate_train", True, False),
    ("hazard deploy", "catastrophe_rate_deploy", True, True),
    ("indifferent", "catastrophe_rate_indifferent_deploy", True, False),
]


def print_table(rows: list[dict[str, Any]]) -> None:
    """One table per question, with the columns that question's arms have values for."""
    questions = list(dict.fromkeys(r["question"] for r in rows))
    for question in questions:
        group = [r for r in rows if r["question"] == question]
        shown = [c for c in COLUMNS
                 if any(not math.isnan(r[f"{c[1]}_mean"]) and (c[1] != "abstain_rate"
                        or r[f"{c[1]}_mean"] > 0) for r in group)]
        table = Table(title=f"[bold]{question or 'results'}[/]", title_justify="left")
        table.add_column("arm", no_wrap=True)
        for heading, *_ in shown:
            table.add_column(heading, justify="right")
        table.add_column("labels", justify="right")
        table.add_column("hours", justify="right")
        for r in group:
            cells = [_fmt(r[f"{stem}_mean"], r[f"{stem}_ci95"] if ci else None, pct)
                     for _, stem, pct, ci in shown]
            arm = r["arm"].removeprefix(f"{r['world']}/")
            table.add_row(arm, *cells, f"{r['labels_mean']:.0f}",
                          f"{r['overseer_seconds_mean'] / 3600:.2f}")
        console.print(table)
    console.print(
        "Deployment levels; mean ± 95% bootstrap CI over seeds. true return and perceived: "
        "0 = uniform-random policy, 1 = optimal under the true reward (perceived: through the "
        "overseer's eyes). deceived: episodes the overseer rates at least as good as the "
        "optimum whose true return is bad. hazard: expected hazardous or catastrophic events "
        "per episode; indifferent: the same for the optimal policy that ignores them.",
        style="dim", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
