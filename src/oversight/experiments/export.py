"""Exporting a store's runs as one flat table: csv, jsonl or parquet."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from oversight.experiments.store import Store


def _flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(f"{prefix}.{k}" if prefix else k, v, out)
    else:
        out[prefix] = value


def flat_runs(store: Store) -> list[dict[str, Any]]:
    """One dict per run: identity, status, timings, `config.*` and `metrics.*` columns."""
    rows = []
    for r in store.runs():
        row: dict[str, Any] = {k: r[k] for k in ("experiment", "arm", "seed", "key", "status",
                                                 "wall_seconds", "error", "version")}
        _flatten("config", r["config"], row)
        _flatten("metrics", r["metrics"] or {}, row)
        rows.append(row)
    return rows


def export_runs(store: Store, path: Path, fmt: str) -> int:
    rows = flat_runs(store)
    columns = list(dict.fromkeys(k for row in rows for k in row))
    match fmt:
        case "csv":
            with path.open("w", newline="") as f:
                writer = csv.DictWriter(f, fieldnames=columns, restval="")
                writer.writeheader()
                writer.writerows(rows)
        case "jsonl":
            with path.open("w") as f:
                f.writelines(json.dumps(row) + "\n" for row in rows)
        case "parquet":
            try:
                import pyarrow as pa
                import pyarrow.parquet as pq
            except ImportError:
                raise ImportError("parquet export needs pyarrow: "
                                  "pip install 'oversight-lab[parquet]'") from None
            table = pa.Table.from_pylist([{c: row.get(c) for c in columns} for row in rows])
            pq.write_table(table, path)
        case _:
            raise ValueError(f"unknown export format {fmt!r}; expected csv, jsonl or parquet")
    return len(rows)
