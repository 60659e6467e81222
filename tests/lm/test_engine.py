"""Language-model arms through the engine: stored, resumable, deterministic runs whose metrics
mean what their names say (the tabular runs' names)."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from oversight.experiments.runner import run_experiment
from oversight.experiments.spec import ExperimentSpec, SpecError, parse

SPEC = """
name = "lm-tiny"
seeds = 1
[defaults]
world = "lm-unverifiable"
budget = { kind = "labels", amount = 40 }
[defaults.lm]
size = "tiny"
prompts = 40
eval_prompts = 16
candidates = 4
n = 4
reward_model = { steps = 30 }
[[arms]]
name = "oracle"
overseer = "oracle"
[[arms]]
name = "lay"
overseer = "lay-guess"
"""


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp("lm")
    return out, run_experiment(parse(SPEC, "lm.toml"), out, "serial")


def test_runs_are_stored_with_their_judgments_as_text(first: tuple[Path, list[dict]]) -> None:
    out, rows = first
    assert [r["status"] for r in rows] == ["done", "done"], [r.get("error") for r in rows]
    with sqlite3.connect(out / "store.sqlite") as db:
        judged = db.execute("SELECT first_actions, detail FROM judgments").fetchall()
    assert len(judged) == 80  # 40 labels per arm
    assert json.loads(judged[0][1])["prompt"].endswith("A:")
    assert (out / "models" / "lm-unverifiable-tiny-0" / "config.json").is_file()


def test_metrics_mean_what_they_say(first: tuple[Path, list[dict]]) -> None:
    _, rows = first
    oracle, lay = (r["metrics"] for r in rows)
    for split in ("train", "deploy"):
        # best-of-n's KL is analytic; the oracle sees and values the truth, so it perceives it
        assert oracle[f"kl_{split}"] == pytest.approx(math.log(4) - 3 / 4)
        assert oracle[f"perceived_return_{split}"] == pytest.approx(oracle[f"true_return_{split}"])
        assert oracle[f"deception_rate_{split}"] == 0.0
        assert 0.0 <= lay[f"deception_rate_{split}"] <= lay[f"deception_rate_partial_{split}"]
    assert oracle["labels"] == lay["labels"] == 40


def test_same_seed_same_numbers_and_resume_reruns_nothing(
        first: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, rows = first
    again = run_experiment(parse(SPEC, "lm.toml"), tmp_path, "serial")  # a fresh base model
    assert [r["metrics"] for r in again] == [r["metrics"] for r in rows]
    resumed = run_experiment(parse(SPEC, "lm.toml"), out, "serial")
    assert [r["finished"] for r in resumed] == [r["finished"] for r in rows]


@pytest.mark.parametrize(("line", "expected"), [
    ('lm = { optimizer = "ppo" }', "lm.optimizer"),
    ('lm = { nn = 4 }', "did you mean 'n'?"),
    ('digits = { k = 4 }', "digits: settings of the digits task"),
    ('lm = { overoptimization_objectives = ["max"] }', "overoptimization_objectives.0"),
    ('lm = { overoptimization_objectives = ["wco", "wco"] }', "each once"),
    ('lm = { uwo_lambda = -1.0 }', "lm.uwo_lambda"),
    ('lm = { gold = "human" }', "lm.gold"),
    ('lm = { gold_labels = 100 }', "used only with gold = 'rm'"),
    ('lm = { gold = "rm", gold_reward_model = { members = 0 } }', "members: expected"),
    ('lm = { selector = "entropy" }', "lm.selector"),
    ('lm = { initial_fraction = 0.0 }', "lm.initial_fraction"),
    ('lm = { gold = "rm", selector = "disagreement" }', "needs selector = 'uniform'"),
])
def test_bad_lm_settings_are_refused(line: str, expected: str) -> None:
    text = SPEC.replace('[[arms]]\nname = "oracle"', f'[[arms]]\nname = "oracle"\n{line}', 1)
    with pytest.raises(SpecError, match=expected):
        parse(text, "lm.toml")


def test_export_hf_writes_every_judgment_as_a_preference_dataset(
        first: tuple[Path, list[dict]], tmp_path: Path) -> None:
    from datasets import load_from_disk

    from oversight.experiments.preferences import export_preferences
    from oversight.experiments.store import Store

    out, _ = first
    with Store(out, create=False) as store:
        strict, other = export_preferences(store, tmp_path / "prefs")
    data = load_from_disk(str(tmp_path / "prefs"))
    assert strict + other == 80 and len(data["train"]) == strict
    assert set(data["train"]["answer"]) <= {"first", "second"}
    assert set(data["unresolved"]["answer"]) <= {"tie", "abstain", "skip"}
    row = data["train"][0]
    assert row["prompt"].endswith("A:") and row["chosen"] != row["rejected"]


def test_export_hf_renders_tabular_segments_by_action_name(tmp_path: Path) -> None:
    from oversight.experiments.preferences import preference_rows
    from oversight.experiments.store import Store

    spec = parse('name = "t"\nseeds = 1\n[[arms]]\nname = "o"\nworld = "camera-room"\n'
                 'overseer = "oracle"\nbudget = { amount = 6 }\n'
                 'rlhf = { rounds = 1, episodes_per_round = 10 }\n', "t.toml")
    run_experiment(spec, tmp_path, "serial")
    with Store(tmp_path, create=False) as store:
        rows = preference_rows(store)
    assert len(rows) == 6 and rows[0]["chosen"].startswith("start state ")
    assert any(name in rows[0]["chosen"] for name in ("up", "down", "left", "right"))


def test_a_language_model_experiment_runs_with_the_network_off(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    import sys

    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rn", "true"], capture_output=True).returncode != 0:
        pytest.skip("unshare -rn (a network namespace without any interface) is not permitted")
    spec = tmp_path / "lm.toml"
    spec.write_text(SPEC.split('[[arms]]\nname = "lay"')[0])  # the oracle arm alone
    env = os.environ | {"HF_HUB_OFFLINE": "1"}
    done = subprocess.run(["unshare", "-rn", sys.executable, "-m", "oversight.cli", "run",
                           str(spec), "--out", str(tmp_path / "out"), "--executor", "serial"],
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert (tmp_path / "out" / "report" / "index.html").is_file()


def test_an_arm_trains_from_a_preference_dataset(first: tuple[Path, list[dict]],
                                                  tmp_path: Path) -> None:
    """A person's own labels, as `oversight export --format hf` writes them: the rows are the
    run's judgments (chosen first, in order, up to the budget), and the run key follows the
    data, not the folder it lies in."""
    import shutil

    from datasets import load_from_disk

    from oversight.experiments.preferences import export_preferences
    from oversight.experiments.spec import run_key
    from oversight.experiments.store import Store

    out, _ = first
    with Store(out, create=False) as store:
        export_preferences(store, tmp_path / "prefs")
    shutil.copytree(tmp_path / "prefs", tmp_path / "moved")
    train = load_from_disk(str(tmp_path / "prefs"))["train"]
    train.select(range(len(train) - 1)).save_to_disk(str(tmp_path / "fewer"))
    arm = SPEC.split('[[arms]]\nname = "oracle"')[0] + (
        '[[arms]]\nname = "given"\noverseer = "lay-guess"\nbudget = { amount = 7 }\n'
        'lm = { preferences = "PATH" }\n')

    def spec(folder: str) -> ExperimentSpec:
        return parse(arm.replace("PATH", str(tmp_path / folder)), "lm.toml")

    keys = {f: run_key(spec(f).arms[0], 0) for f in ("prefs", "moved", "fewer")}
    assert keys["prefs"] == keys["moved"] != keys["fewer"]
    rows = run_experiment(spec("prefs"), tmp_path / "out", "serial")
    assert rows[0]["status"] == "done", rows[0].get("error")
    assert rows[0]["metrics"]["labels"] == 7
    with sqlite3.connect(tmp_path / "out" / "store.sqlite") as db:
        stored = db.execute("SELECT first_actions, second_actions, answer, detail "
                            "FROM judgments ORDER BY rowid").fetchall()
    assert [(a, b) for a, b, _, _ in stored] == list(zip(list(train["chosen"])[:7],
                                                         list(train["rejected"])[:7],
                                                         strict=True))
    assert {ans for _, _, ans, _ in stored} == {0}  # Answer.FIRST: chosen is shown first
    assert [json.loads(d)["prompt"] for *_, d in stored] == list(train["prompt"])[:7]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda p: None, "no such folder"),
    (lambda p: (p.mkdir(), (p / "x").write_text("x")), "not a dataset saved with save_to_disk"),
    (lambda p: __import__("datasets").Dataset.from_dict({"text": ["a"]}).save_to_disk(str(p)),
     r"lacks column\(s\) \['prompt', 'chosen', 'rejected'\]"),
])
def test_a_bad_preference_dataset_is_refused_by_field(make: Callable[[Path], object],
                                                     expected: str, tmp_path: Path) -> None:
    make(tmp_path / "prefs")
    text = SPEC.replace('name = "oracle"', f'name = "oracle"\nlm = {{ preferences = '
                        f'"{tmp_path / "prefs"}" }}', 1)
    with pytest.raises(SpecError, match=f"lm.preferences: .*{expected}"):
        parse(text, "lm.toml")


def test_an_overoptimization_sweep_is_stored_as_curves_and_fits(tmp_path: Path) -> None:
    """lm.overoptimization = N: best-of-n for n = 1, 2, 4, … N over a pool, gold and proxy
    gains stored as the tabular analysis names them (so reports draw them alike); n = 1 is the
    base policy (zero gains) and the KL is best-of-n's."""
    from oversight.experiments.store import Store

    text = SPEC.split('[[arms]]\nname = "lay"')[0].replace(
        "reward_model = { steps = 30 }",
        "reward_model = { steps = 30 }\noveroptimization = 8\noveroptimization_prompts = 4")
    rows = run_experiment(parse(text, "lm.toml"), tmp_path, "serial")
    assert rows[0]["status"] == "done", rows[0].get("error")
    with Store(tmp_path, create=False) as store:
        curves = store.curves(rows[0]["key"])
    assert [n for _, n in curves["overopt_best_of_n_pressure"]] == [1, 2, 4, 8]
    assert [kl for _, kl in curves["overopt_best_of_n_kl"]] == pytest.approx(
        [math.log(n) - (n - 1) / n for n in (1, 2, 4, 8)])
    assert curves["overopt_best_of_n_true_gain"][0][1] == pytest.approx(0, abs=1e-12)
    proxy = [g for _, g in curves["overopt_best_of_n_proxy_gain"]]
    assert proxy[0] == pytest.approx(0, abs=1e-12) and proxy == sorted(proxy)  # picks by it
    assert "overopt_best_of_n_bon_r2" in rows[0]["metrics"]


def test_disagreement_selection_spends_the_same_labels_on_other_pairs(tmp_path: Path) -> None:
    """Equal labels: "disagreement" asks the uniform arm's first quarter (the same random
    pairs), then pairs of its own choosing from the rest, never one twice."""
    spec = SPEC.replace("prompts = 40", "prompts = 80").replace(
        '[[arms]]\nname = "lay"\noverseer = "lay-guess"\n',
        '[[arms]]\nname = "active"\noverseer = "oracle"\nlm = { selector = "disagreement" }\n')
    rows = run_experiment(parse(spec, "lm.toml"), tmp_path, "serial")
    assert [r["status"] for r in rows] == ["done", "done"], [r.get("error") for r in rows]
    with sqlite3.connect(tmp_path / "store.sqlite") as db:
        asked = {arm: [json.loads(d)["prompt"] + "|" + a + "|" + b for d, a, b in db.execute(
            "SELECT j.detail, j.first_actions, j.second_actions FROM judgments j "
            "JOIN runs r ON r.key = j.run WHERE r.arm = ? ORDER BY j.idx", (arm,))]
            for arm in ("oracle", "active")}
    uniform, active = asked["oracle"], asked["active"]
    assert len(uniform) == len(active) == 40
    assert active[:10] == uniform[:10]  # a quarter of the budget on the same random pairs
    assert len(set(active)) == 40  # the rest are other candidates, each asked once
    assert active[10:] != uniform[10:]  # chosen by the screening ensemble, not in draw order
    assert all(r["metrics"]["labels"] == 40 for r in rows)


def test_new_settings_change_the_key_only_when_set() -> None:
    """The conservative-ensemble and gold-RM settings left at their defaults (or written out
    as them) keep a run's key; setting any of them changes it."""
    from oversight.experiments.spec import run_key

    def key(line: str) -> str:
        text = SPEC.replace('[[arms]]\nname = "oracle"', f'[[arms]]\nname = "oracle"\n{line}', 1)
        return run_key(parse(text, "lm.toml").arms[0], 0)

    plain = key("")
    assert key('lm = { overoptimization_objectives = ["mean"], uwo_lambda = 0.5, '
               'gold = "true" }') == plain
    changed = [key(line) for line in (
        'lm = { overoptimization_objectives = ["mean", "wco"] }', 'lm = { uwo_lambda = 1.0 }',
        'lm = { gold = "rm" }', 'lm = { gold = "rm", gold_labels = 100 }',
        'lm = { gold = "rm", gold_reward_model = { n_embd = 48 } }')]
    assert plain not in changed and len(set(changed)) == len(changed)


def test_ensemble_objectives_are_stored_beside_the_mean(tmp_path: Path) -> None:
    """Selecting by WCO and UWO too leaves the mean's curves as they were (same seed, same
    numbers) and adds `overopt_best_of_n_wco_*` / `_uwo_*`; with one member, the worst member
    and the variance-penalised mean are the mean, so all three curves coincide."""
    from oversight.experiments.store import Store

    sweep = "reward_model = { steps = 30 }\noveroptimization = 8\noveroptimization_prompts = 4"
    base = SPEC.split('[[arms]]\nname = "lay"')[0].replace("reward_model = { steps = 30 }", sweep)
    every = '\noveroptimization_objectives = ["mean", "wco", "uwo"]\n'
    texts = {"mean": base,
             "all": base.replace(sweep, sweep + every),
             "one member": base.replace(sweep, sweep.replace("steps = 30", "steps = 30, "
                                                             "members = 1") + every)}
    got = {}
    for name, text in texts.items():
        rows = run_experiment(parse(text, "lm.toml"), tmp_path / name.replace(" ", "-"),
                              "serial")
        assert rows[0]["status"] == "done", rows[0].get("error")
        with Store(tmp_path / name.replace(" ", "-"), create=False) as store:
            got[name] = (rows[0]["metrics"], store.curves(rows[0]["key"]))
    mean_only, everything = got["mean"][1], got["all"][1]
    assert {k: v for k, v in everything.items() if k in mean_only} == mean_only
    assert "overopt_best_of_n_wco_true_gain" in everything
    assert got["all"][0]["overopt_best_of_n_wco_fall"] >= 0
    one = got["one member"][1]
    for attr in ("true_gain", "proxy_gain"):
        for objective in ("wco", "uwo"):
            assert [v for _, v in one[f"overopt_best_of_n_{objective}_{attr}"]] == \
                pytest.approx([v for _, v in one[f"overopt_best_of_n_{attr}"]])


def test_rl_checkpoints_trace_gold_and_proxy_against_kl(tmp_path: Path) -> None:
    """GRPO measured along its run: the base model at step 0 (no gain, no KL), then a point at
    every checkpoint step, stored as over-optimisation curves with their fits."""
    from oversight.experiments.store import Store

    spec = SPEC.split('[[arms]]\nname = "lay"')[0].replace(
        "reward_model = { steps = 30 }",
        'reward_model = { steps = 30 }\noptimizer = "grpo"\nrl_checkpoints = 2\n'
        "rl_checkpoint_samples = 2\noveroptimization_prompts = 4\n"
        "train = { steps = 4, batch_size = 8, num_generations = 4 }")
    rows = run_experiment(parse(spec, "lm.toml"), tmp_path, "serial")
    assert rows[0]["status"] == "done", rows[0].get("error")
    with Store(tmp_path, create=False) as store:
        curves = store.curves(rows[0]["key"])
    assert [s for _, s in curves["overopt_grpo_pressure"]] == [0, 2, 4]  # steps
    kl = [v for _, v in curves["overopt_grpo_kl"]]
    assert kl[0] == 0 and all(v >= 0 for v in kl)
    assert curves["overopt_grpo_true_gain"][0][1] == 0
    assert "overopt_grpo_fall" in rows[0]["metrics"]
