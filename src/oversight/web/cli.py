"""`oversight serve DIR` and `oversight labellers add|list|revoke|admin|stats|calibrate DIR`."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from oversight.web import tokens
from oversight.web.db import LABELS_FILE, LabelsFileError, check, connect

console = Console(width=None if sys.stdout.isatty() else 120)  # as in oversight.cli
labellers_app = typer.Typer(add_completion=False, no_args_is_help=True,
                            help="Labeller tokens of an experiment folder's labelling queue.")
Folder = Annotated[Path, typer.Argument(help="the experiment's output folder")]


def fail(message: str) -> None:
    console.print(f"[bold red]error:[/] {escape(message)}", highlight=False)  # text, not markup
    raise typer.Exit(2)


def _connect(folder: Path) -> tokens.sqlite3.Connection:
    try:
        db = connect(folder)
        try:
            check(db, folder / LABELS_FILE)  # damage that opening does not notice
        except LabelsFileError:
            db.close()
            raise
        return db
    except FileNotFoundError as e:
        fail(f"{e} (run an experiment with --out {folder} first, or mkdir it)")
        raise  # unreachable: fail exits
    except LabelsFileError as e:
        fail(str(e))
        raise


@labellers_app.command("add")
def add(folder: Folder, name: Annotated[str, typer.Argument(help="the labeller's name")],
        expert: Annotated[bool, typer.Option("--expert", help="sees the expert view (hidden "
                                                              "evidence revealed)")] = False
        ) -> None:
    """Issue a labeller's token; it is printed once and stored only as a hash."""
    db = _connect(folder)
    try:
        token = tokens.add_labeller(db, name, expert)
    except tokens.TokenError as e:
        fail(str(e))
    finally:
        db.close()
    console.print(escape(f"labeller {name!r} ({'expert' if expert else 'lay'} view); token, "
                         f"shown once:"), highlight=False)
    typer.echo(token)


@labellers_app.command("list")
def list_labellers(folder: Folder) -> None:
    """The labellers, their view, and when they were added or revoked."""
    db = _connect(folder)
    rows = tokens.labellers(db)
    db.close()
    table = Table("name", "view", "added", "revoked")
    for lab in rows:
        table.add_row(Text(lab.name), lab.view, _when(lab.created),  # a name is text, not markup
                      _when(lab.revoked) if lab.revoked else "")
    console.print(table)


@labellers_app.command("revoke")
def revoke(folder: Folder, name: Annotated[str, typer.Argument(help="the labeller's name")]
           ) -> None:
    """Revoke a labeller's token at once; their answers so far are kept."""
    db = _connect(folder)
    try:
        tokens.revoke_labeller(db, name)
    except tokens.TokenError as e:
        fail(str(e))
    finally:
        db.close()
    console.print(escape(f"revoked {name!r}"), highlight=False)


@labellers_app.command("admin")
def admin(folder: Folder) -> None:
    """Issue the admin token (for /admin); a previous admin token stops working."""
    db = _connect(folder)
    token = tokens.issue_admin(db)
    db.close()
    console.print("admin token, shown once:")
    typer.echo(token)


@labellers_app.command("stats")
def stats_command(folder: Folder,
                  out: Annotated[Path | None, typer.Option(help="CSV file to write "
                                                                "[FOLDER/labellers.csv]")] = None
                  ) -> None:
    """Write per-labeller statistics (gold and peer agreement, times, abstention) as CSV."""
    from oversight.web.stats import labeller_stats, stats_csv

    db = _connect(folder)
    text = stats_csv(labeller_stats(db))
    db.close()
    target = out or folder / "labellers.csv"
    try:
        target.write_text(text)
    except OSError as e:
        fail(f"cannot write {target}: {e}")
    console.print(escape(f"wrote {target}"), highlight=False)


@labellers_app.command("calibrate")
def calibrate_command(folder: Folder,
                      name: Annotated[str, typer.Argument(help="the labeller's name")]) -> None:
    """Fit a simulated overseer to a labeller's answers: the overseer_params to use with the
    preset of their view, their abstention rate and answer time."""
    from oversight.web.stats import calibrate_labeller

    db = _connect(folder)
    try:
        c = calibrate_labeller(db, name)
    except ValueError as e:
        fail(str(e))
    finally:
        db.close()
    preset = c.overseer.name.removesuffix(" (calibrated)")
    params = ", ".join(f"{k} = {v:g}" for k, v in c.overseer_params().items())
    console.print(f"{escape(name)}: {c.n} labels; abstained {100 * c.abstain_rate:.0f}%, ties "
                  f"{100 * c.tie_rate:.0f}%, median {c.seconds_median:.1f} s per answer",
                  highlight=False)
    typer.echo(f'overseer = "{preset}"\noverseer_params = {{ {params} }}')
    console.print(f"seconds per judgment: base {c.overseer.cost.base_seconds:.2f} s "
                  f"(a preset's cost is not an overseer parameter; see overseers/presets.py)",
                  highlight=False)


def _when(t: float) -> str:
    return f"{datetime.fromtimestamp(t):%Y-%m-%d %H:%M}"


def serve(folder: Path, host: str, port: int) -> None:
    """Run the labelling server on host:port until Ctrl-C."""
    import uvicorn

    from oversight.web.server import create_app

    if not folder.is_dir():
        fail(f"{folder}: no such experiment folder")
    if not 0 < port < 65536:
        fail(f"--port must be in 1..65535, got {port}")
    try:
        app = create_app(folder)
    except LabelsFileError as e:
        fail(str(e))
    console.print(escape(f"labelling {folder / LABELS_FILE} at http://{host}:{port}/ "
                         f"(admin: http://{host}:{port}/admin)"), highlight=False)
    if host not in ("127.0.0.1", "localhost", "::1"):
        console.print(f"[yellow]note:[/] listening on {escape(host)}: anyone who can reach it "
                      "sees the page (tokens still guard every answer); put TLS in front of it.",
                      highlight=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    except OSError as e:
        fail(f"cannot listen on {host}:{port}: {e}")
