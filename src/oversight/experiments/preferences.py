"""Every stored judgment as a preference dataset in the field's format (`datasets`, TRL's columns).

`oversight export DIR --format hf` writes a `DatasetDict` with `save_to_disk`:
- `train`: the strict preferences, columns `prompt`, `chosen`, `rejected` (what TRL's
  DPOTrainer and RewardTrainer read as they are) plus `answer`, `experiment`, `arm`, `seed`,
  `run`, `overseer`, `seconds`;
- `unresolved`: ties, abstentions and skips, the same columns, `chosen` the first segment shown
  and `rejected` the second (`answer` says which kind it is), so nothing judged is dropped.

Language-model judgments are text already (the prompt and the two completions). A tabular
segment is rendered as its start state and its actions by name; a deep-RL segment as the feature
totals its overseer judged.

An LM arm trains from such a dataset with `lm = { preferences = "PATH" }` (`load_preferences`).
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from oversight.experiments.store import Store
from oversight.types import Answer

if TYPE_CHECKING:
    from oversight.schemes.lm_rlhf import GivenPreferences

COLUMNS = ("prompt", "chosen", "rejected", "answer", "experiment", "arm", "seed", "run",
           "overseer", "seconds")


@cache
def _action_names(world: str, params: str) -> tuple[str, ...] | None:
    from oversight.experiments.kinds import build_world

    try:
        built = build_world(world, json.loads(params))
    except Exception:  # a world no longer importable: actions stay as digits
        return None
    names = getattr(built, "action_names", None)
    return tuple(names) if names else None


def _segment(config: dict[str, Any], start: int, actions: str, detail: dict[str, Any],
             side: str) -> str:
    if start >= 0:  # a tabular segment: replayed by its start state and its actions
        names = _action_names(config["world"], json.dumps(config.get("world_params", {}),
                                                          sort_keys=True))
        shown = [names[int(a)] if names and int(a) < len(names) else a for a in actions]
        return f"start state {start}; actions: {' '.join(shown)}"
    if side in detail and isinstance(detail[side], dict):  # deep RL: what the overseer judged
        return "; ".join(f"{k} {v:.4g}" for k, v in detail[side].items())
    return actions  # a language model's completion


def preference_rows(store: Store) -> list[dict[str, Any]]:
    """One row per judgment of every finished run, in store order."""
    rows = []
    for run in store.runs():
        if run["status"] != "done":
            continue
        config = run["config"]
        for j in store.judgments(run["key"]):
            detail = json.loads(j["detail"]) if j.get("detail") else {}
            if not isinstance(detail, dict):
                detail = {}
            a = _segment(config, j["first_start"], j["first_actions"], detail, "first")
            b = _segment(config, j["second_start"], j["second_actions"], detail, "second")
            answer = Answer(j["answer"])
            chosen, rejected = (b, a) if answer == Answer.SECOND else (a, b)
            prompt = detail.get("prompt") or (f"Which of two segments of {config['world']} is "
                                              "better?")
            rows.append({"prompt": prompt, "chosen": chosen, "rejected": rejected,
                         "answer": answer.name.lower(), "experiment": run["experiment"],
                         "arm": run["arm"], "seed": run["seed"], "run": run["key"],
                         "overseer": j["overseer"], "seconds": float(j["seconds"])})
    return rows


def export_preferences(store: Store, folder: Path) -> tuple[int, int]:
    """Write the dataset to `folder`; returns (strict preferences, unresolved judgments)."""
    from datasets import Dataset, DatasetDict

    rows = preference_rows(store)
    strict = [r for r in rows if r["answer"] in ("first", "second")]
    other = [r for r in rows if r["answer"] not in ("first", "second")]

    def table(part: list[dict[str, Any]]) -> Dataset:
        return Dataset.from_dict({c: [r[c] for r in part] for c in COLUMNS})

    DatasetDict({"train": table(strict), "unresolved": table(other)}).save_to_disk(str(folder))
    return len(strict), len(other)


def _train_split(folder: Path) -> Any:
    """The `train` split of the dataset saved at `folder` (a DatasetDict's, or the Dataset
    itself), its TRL columns checked; a clear ValueError for anything else."""
    from datasets import Dataset, DatasetDict, load_from_disk

    if not folder.is_dir():
        raise ValueError(f"{folder}: no such folder (a preference dataset saved with "
                         "save_to_disk; oversight export DIR --format hf writes one)")
    try:
        data = load_from_disk(str(folder))
    except Exception as e:  # datasets raises several kinds for a folder that is not a dataset
        raise ValueError(f"{folder}: not a dataset saved with save_to_disk ({e})") from None
    if isinstance(data, DatasetDict):
        if "train" not in data:
            raise ValueError(f"{folder}: has splits {sorted(data)}, expected a 'train' split")
        data = data["train"]
    assert isinstance(data, Dataset)
    missing = [c for c in ("prompt", "chosen", "rejected") if c not in data.column_names]
    if missing:
        raise ValueError(f"{folder}: the train split lacks column(s) {missing} (has "
                         f"{data.column_names}; expected TRL's prompt / chosen / rejected)")
    if len(data) == 0:
        raise ValueError(f"{folder}: the train split has no rows")
    return data


def load_preferences(folder: Path) -> GivenPreferences:
    """The dataset's strict preferences as an LM arm's judgments (`lm.preferences`); rows
    without `seconds` cost nothing but a label."""
    from oversight.schemes.lm_rlhf import GivenPreferences

    data = _train_split(folder)
    prompts, chosen, rejected = (tuple(str(v) for v in data[c])
                                 for c in ("prompt", "chosen", "rejected"))
    seconds = (tuple(float(s) for s in data["seconds"]) if "seconds" in data.column_names
               else (0.0,) * len(data))
    return GivenPreferences(prompts, chosen, rejected, seconds)


@cache
def fingerprint(folder: Path) -> str:
    """A hash of the train split's rows, so a run key changes when the data does (and not
    when the folder moves); computed once per process."""
    data = _train_split(folder)
    cols = [c for c in ("prompt", "chosen", "rejected", "seconds") if c in data.column_names]
    blob = json.dumps([list(data[c]) for c in cols])
    return "sha256:" + hashlib.sha256(blob.encode()).hexdigest()[:16]
