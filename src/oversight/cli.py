"""`oversight`: run, inspect and export experiments."""

from __future__ import annotations

import os
import sys
import webbrowser
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

# Hugging Face's own bars ("Loading weights", "Writing model shards": every cached base model
# a run loads or saves) would bury the run's progress; set before transformers is imported, in
# this process and the workers it starts.
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")

from oversight.experiments import limits
from oversight.experiments import spec as specs
from oversight.experiments.executors import ExecutorKind
from oversight.experiments.export import export_runs
from oversight.experiments.paths import folder_name
from oversight.experiments.processes import interrupt_on_sigterm
from oversight.experiments.runner import SUMMARY_FILE, expand, run_experiment, summarise
from oversight.experiments.store import STORE_FILE, Store, StoreError, damaged, pid_alive
from oversight.report import FORMATS, write_report
from oversight.web.cli import labellers_app

if TYPE_CHECKING:
    from oversight.report.document import Table as DocTable

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="oversight-lab: experiments on RLHF and scalable oversight.")
console = Console(width=None if sys.stdout.isatty() else 120)  # logs and pipes get 120


def fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)  # text, not markup
    raise typer.Exit(2)


@app.command("list")
def list_experiments() -> None:
    """The built-in experiments, one per line: name, then description."""
    names = specs.builtin_names()
    width = max(map(len, names)) + 2
    for name in names:
        typer.echo(f"{name:<{width}}{specs.load(name).description}")


@app.command()
def show(name: Annotated[str, typer.Argument(help="a built-in experiment")]) -> None:
    """Print a built-in experiment's TOML, to copy and edit."""
    path = specs.CATALOG / f"{name}.toml"
    if name not in specs.builtin_names() or not path.is_file():  # never a path: "../x"
        fail(f"no built-in experiment {name!r}; built-in: {', '.join(specs.builtin_names())}")
    typer.echo(path.read_text(), nl=False)


@app.command()
def run(
    experiment: Annotated[str, typer.Argument(help="built-in name or path to a .toml")] = "default",
    seeds: Annotated[int | None, typer.Option(help="seeds per arm (overrides the file)")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [results/NAME-TIMESTAMP]")] = None,
    executor: Annotated[str, typer.Option(help="serial, local or ray")] = "local",
    workers: Annotated[int | None, typer.Option(help="parallel processes [cores]")] = None,
    address: Annotated[str | None, typer.Option(help="Ray cluster address (with ray)")] = None,
    report: Annotated[bool, typer.Option(help="write DIR/report/ at the end")] = True,
    allow_large: Annotated[bool, typer.Option("--allow-large", help="lift the caps on seeds, "
                                              "sweeps and rounds")] = False,
) -> None:
    """Run an experiment (the default one when none is named) and print its tables.

    Running again with the same --out resumes: finished runs are skipped."""
    if allow_large:
        os.environ[limits.ALLOW_ENV] = "1"
    try:
        spec = specs.load(experiment)
    except specs.SpecError as e:
        fail(str(e))
    if seeds is not None:
        if seeds < 1:
            fail(f"--seeds must be at least 1, got {seeds}")
        spec = spec.model_copy(update={"seeds": seeds})
        try:
            limits.check(spec, "--seeds")
        except limits.LimitError as e:
            fail(str(e))
    if workers is not None and workers < 1:
        fail(f"--workers must be at least 1, got {workers}")
    if executor not in ("serial", "local", "ray"):
        fail(f"--executor must be serial, local or ray, got {executor!r}")
    if address and executor != "ray":
        fail("--address is for --executor ray")
    out = out or Path("results") / f"{folder_name(spec.name)}-{datetime.now():%Y%m%d-%H%M%S}"
    n_workers = 1 if executor == "serial" else workers or os.cpu_count() or 1
    console.print(f"[bold]{escape(spec.name)}[/]: {escape(spec.description)}\n{len(spec.arms)}"
                  f" arms × {spec.seeds} seeds = {len(expand(spec))} runs, {executor} executor"
                  f"{'' if executor == 'serial' else f', {n_workers} workers'} → "
                  f"{escape(str(out))}", highlight=False)
    failed: list[dict[str, Any]] = []
    columns = ("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
               "[red]{task.fields[failed]} failed", TimeElapsedColumn(), "eta",
               TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("runs", total=None, failed=0)

        def on_result(record: dict[str, Any], i: int, n: int) -> None:
            if record["status"] == "failed":
                failed.append(record)
            progress.update(task, completed=i, total=n, failed=len(failed))

        try:
            with interrupt_on_sigterm():  # kill -TERM stops it as Ctrl-C does
                rows = run_experiment(spec, out, cast(ExecutorKind, executor), n_workers,
                                      address, on_result)
        except KeyboardInterrupt:
            where = escape(str(out))
            console.print(f"[yellow]interrupted[/]: finished runs are kept in {where}; "
                          f"run again with --out {where} to resume", highlight=False)
            raise typer.Exit(130) from None
        except RuntimeError as e:
            fail(str(e))
        except OSError as e:  # --out is a file, unwritable, on a full disk...
            fail(f"cannot write the results to {out}: {e}")
    for r in failed:
        console.print(f"[red]run failed[/] {escape(r['arm'])} seed {r['seed']}: "
                      f"{escape(str(r['error']))}", highlight=False)
    console.print()
    if all(a.kind == "tabular" for a in spec.arms):
        print_table(summarise(spec, rows))
    else:  # the kind's own results tables, as its report shows them
        from oversight.report import load_document

        _, document = load_document(out)
        from oversight.report.document import Table as DocTable

        print_tables([b for s in document.sections for b in s.blocks if isinstance(b, DocTable)])
    console.print(f"summary: {escape(str(out / SUMMARY_FILE))}   store: "
                  f"{escape(str(out / STORE_FILE))}", highlight=False)
    if report:
        _write_report(out, FORMATS)
    if failed:
        raise typer.Exit(1)


def _write_report(folder: Path, formats: tuple[str, ...]) -> Path | None:
    try:
        with console.status("writing the report"):
            written = write_report(folder, formats)
    except (StoreError, FileNotFoundError, OSError):
        raise
    except Exception as e:  # a bug in a report writer must not lose the stored runs' message
        console.print(f"[red]error:[/] the report could not be written "
                      f"({escape(f'{type(e).__name__}: {e}')}); the runs are stored in "
                      f"{escape(str(folder))}, and `oversight report` writes it once fixed",
                      highlight=False)
        raise typer.Exit(1) from None
    for note in written.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    for kind, path in written.paths.items():
        console.print(f"report {kind:<16} {escape(str(path))}", highlight=False)
    return written.paths.get("html")


@app.command("report")
def report_command(
    folder: Annotated[Path, typer.Argument(help="an experiment's output folder")],
    format: Annotated[str, typer.Option("--format", help="any of " + ",".join(FORMATS))
                      ] = ",".join(FORMATS),
    open_page: Annotated[bool, typer.Option("--open", help="open the HTML page")] = False,
) -> None:
    """Write DIR/report/: index.html, post.md with figures, paper/ (LaTeX, PDF), arxiv.tar.gz
    and podcast/ (script, episode, feed)."""
    formats = tuple(f.strip() for f in format.split(",") if f.strip())
    unknown = set(formats) - set(FORMATS)
    if unknown or not formats:
        fail(f"--format takes a comma-separated subset of {','.join(FORMATS)}; got {format!r}")
    try:
        page = _write_report(folder, formats)
    except (FileNotFoundError, StoreError) as e:
        fail(str(e))
    except OSError as e:
        fail(f"cannot write the report in {folder / 'report'}: {e}")
    if open_page and page is not None:
        webbrowser.open(page.resolve().as_uri())


@app.command("debate-digits")
def debate_digits_command(
    seeds: Annotated[int | None, typer.Option(help="judge seeds (0..N-1) [3]")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [results/NAME-TIMESTAMP]")] = None,
    report: Annotated[bool, typer.Option(help="write OUT/report/")] = True,
) -> None:
    """Short for `oversight run debate-digits`: debate with a sparse judge on 8×8 digits."""
    run("debate-digits", seeds, out, "local", None, None, report, False)


@app.command("hidden-cost")
def hidden_cost_command(
    seeds: Annotated[int | None, typer.Option(help="seeds per overseer (0..N-1) [3]")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder [results/NAME-TIMESTAMP]")] = None,
    report: Annotated[bool, typer.Option(help="write OUT/report/")] = True,
) -> None:
    """Short for `oversight run hidden-cost`: deep RLHF on Reacher-v5 with an overseer who
    cannot see the control cost, beside one who can."""
    run("hidden-cost", seeds, out, "local", None, None, report, False)


@app.command()
def status(folder: Annotated[Path, typer.Argument(help="an experiment's output folder")]) -> None:
    """What is done, running, failed (with the error) and left in an output folder."""
    try:
        store = Store(folder, create=False)
    except (FileNotFoundError, StoreError) as e:
        fail(str(e))
    with store:
        try:
            rows = {r["key"]: r for r in store.runs()}
            experiments = store.experiments()
        except StoreError as e:
            fail(str(e))
        for name, raw in experiments:
            try:
                spec = specs.ExperimentSpec.model_validate(raw)
            except ValueError as e:  # pydantic's ValidationError: a row edited or damaged
                fail(damaged(store.path, f"experiment {name!r}: {str(e).splitlines()[0]}"))
            counts = {"done": 0, "running": 0, "interrupted": 0, "failed": 0, "left": 0}
            failures = []
            for run in expand(spec):
                row = rows.get(run.key)
                state = "left" if row is None else row["status"]
                if state == "running" and not pid_alive(row["pid"] if row else None):
                    state = "interrupted"
                counts[state] += 1
                if state == "failed" and row is not None:
                    failures.append(row)
            summary = ", ".join(f"{n} {k}" for k, n in counts.items())
            console.print(f"[bold]{escape(name)}[/]: {len(expand(spec))} runs: {summary}",
                          highlight=False)
            for row in failures:
                console.print(f"  [red]failed[/] {escape(row['arm'])} seed {row['seed']}: "
                              f"{escape(str(row['error']))}", highlight=False)
            if counts["interrupted"] or counts["left"] or counts["failed"]:
                console.print(escape(f"  resume with: oversight run <{name}'s experiment file "
                                     f"or name> --out {folder}"), highlight=False)


@app.command()
def export(
    folder: Annotated[Path, typer.Argument(help="an experiment's output folder")],
    format: Annotated[str, typer.Option("--format", help="csv, jsonl, parquet or hf")] = "csv",
    out: Annotated[Path | None, typer.Option(help="file to write [FOLDER/runs.FORMAT]")] = None,
) -> None:
    """One row per run (config and metrics flattened) for pandas or any other tool; with
    `--format hf`, every judgment as a `datasets` preference dataset (prompt / chosen /
    rejected) that TRL's trainers read as it is, saved at --out [FOLDER/preferences/]."""
    if format not in ("csv", "jsonl", "parquet", "hf"):
        fail(f"--format must be csv, jsonl, parquet or hf, got {format!r}")
    try:
        store = Store(folder, create=False)
    except (FileNotFoundError, StoreError) as e:
        fail(str(e))
    if format == "hf":
        from oversight.experiments.preferences import export_preferences

        target = out or folder / "preferences"
        with store:
            try:
                strict, other = export_preferences(store, target)
            except StoreError as e:
                fail(str(e))
            except OSError as e:
                fail(f"cannot write {target}: {e}")
        console.print(escape(f"wrote {strict} preferences (split train) and {other} ties, "
                             f"abstentions and skips (split unresolved) to {target}"),
                      highlight=False)
        return
    target = out or folder / f"runs.{format}"
    with store:
        try:
            n = export_runs(store, target, format)
        except (ImportError, StoreError) as e:
            fail(str(e))
        except OSError as e:
            fail(f"cannot write {target}: {e}")
    console.print(escape(f"wrote {n} runs to {target}"), highlight=False)


@app.command()
def serve(
    folder: Annotated[Path, typer.Argument(help="an experiment's output folder")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port")] = 8000,
) -> None:
    """Serve the labelling page for human overseers (README, "Human labellers")."""
    from oversight.web.cli import serve as serve_labelling

    serve_labelling(folder, host, port)


app.add_typer(labellers_app, name="labellers")


def print_table(summary: list[dict[str, Any]]) -> None:
    """The report's results tables (one per question), drawn in the terminal."""
    from oversight.report.tables import results_tables

    print_tables(results_tables(summary))
    console.print(
        "Deployment levels; mean ± 95% bootstrap CI over seeds. true return and perceived: "
        "0 = uniform-random policy, 1 = optimal under the true reward (perceived: through the "
        "overseer's eyes). deceived: episodes the overseer rates at least as good as the "
        "optimum whose true return is below halfway to random (>10%: below the optimum by more "
        "than a tenth of its gain over random); looks − is: perceived minus true, normalised; "
        "not measured (–) for a human overseer or one whose view shows nothing it values. hazard: "
        "expected hazardous or catastrophic events per episode; indifferent: the same for the "
        "optimal policy that ignores them.",
        style="dim", highlight=False)


def print_tables(tables: list[DocTable]) -> None:
    for t in tables:
        table = Table(title=f"[bold]{escape(t.caption)}[/]", title_justify="left")
        for i, heading in enumerate(t.header):
            table.add_column(escape(heading), justify="left" if i == 0 else "right",
                             no_wrap=i == 0)
        for row in t.rows:
            table.add_row(*map(escape, row))  # "[budget.amount=3]" is not markup
        console.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
