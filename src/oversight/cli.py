"""`oversight`: run experiments and list the built-in ones."""

from __future__ import annotations

import math
import os
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
console = Console()


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


def print_table(rows: list[dict[str, Any]]) -> None:
    table = Table(title="True vs perceived: deployment levels, mean ± 95% CI over seeds",
                  title_justify="left")
    for col in ("question", "arm", "true return", "perceived", "deception",
                "abstain", "hazard train", "hazard deploy", "(indifferent)", "labels", "hours"):
        table.add_column(col, justify="left" if col in ("question", "arm") else "right")
    for r in rows:
        table.add_row(
            r["question"], r["arm"],
            _fmt(r["true_return_norm_mean"], r["true_return_norm_ci95"]),
            _fmt(r["perceived_return_norm_mean"], r["perceived_return_norm_ci95"]),
            _fmt(r["deception_rate_mean"], r["deception_rate_ci95"], pct=True),
            _fmt(r["abstain_rate_mean"], pct=True),
            _fmt(r["catastrophe_rate_train_mean"], pct=True),
            _fmt(r["catastrophe_rate_deploy_mean"], r["catastrophe_rate_deploy_ci95"], pct=True),
            _fmt(r["catastrophe_rate_indifferent_deploy_mean"], pct=True),
            f"{r['labels_mean']:.0f}",
            f"{r['overseer_seconds_mean'] / 3600:.2f}",
        )
    console.print(table)
    console.print("true return / perceived: 0 = uniform-random policy, 1 = optimal under the true "
                  "reward (perceived: as the overseer sees it). hazard: expected hazardous or "
                  "catastrophic events per episode; (indifferent): the same for the optimal "
                  "policy that ignores them.", style="dim", highlight=False)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
