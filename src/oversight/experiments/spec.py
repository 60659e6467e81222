"""Experiment files: TOML validated with pydantic, expanded into runs.

An experiment has a name, a description, a number of seeds and a list of arms. `[defaults]`
holds fields every arm inherits (an arm's own value wins; tables merge key by key). An arm names a
world, an overseer, a scheme with its parameters and a budget; see experiments/catalog/.

A sweep turns one arm into several: `sweep = { "budget.amount" = [100, 400], "overseer_params.
mistake" = [0.0, 0.2] }` expands into the 4 combinations, named `ARM [budget.amount=100, ...]`,
each remembering its values in `swept`. Any field can be swept by its dotted path.

Errors name the file, the field path, what was given and what was expected.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
import json
import math
import tomllib
import typing
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from oversight.experiments import kinds, limits, refs
from oversight.experiments.dataclass_config import spec_model
from oversight.experiments.kinds import DIGITS
from oversight.learning.reward_models import RewardModelConfig
from oversight.overseers.presets import PRESETS
from oversight.schemes.adversarial import Adversarial
from oversight.schemes.amplification import Amplification
from oversight.schemes.debate import Debate
from oversight.schemes.rlhf import RLHF
from oversight.schemes.rrm import RRM
from oversight.worlds import WORLDS
from oversight.worlds import params as declared_params

CATALOG = Path(__file__).parent / "catalog"
SCHEMES = ("rlhf", "debate", "rrm", "amplification", "adversarial", "weak-to-strong")
WEAK_TO_STRONG = "weak-to-strong"  # text worlds only; settings in [w2s] (schemes/weak_to_strong.py)
OVERSEERS = (*PRESETS, "human")  # human: people on the labelling page (web/human.py)


class SpecError(ValueError):
    """An experiment file that cannot be run; the message says where and why."""


class Strict(BaseModel):
    # strict: no silent coercion ("30" is not 30, true is not 1)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=True)


def _closest(name: str, known: list[str]) -> str:
    match = difflib.get_close_matches(name, known, n=1)
    return f" (did you mean {match[0]!r}?)" if match else ""


def _check_overseer_types(v: dict[str, Any]) -> None:
    """Strict types of a simulated overseer's parameters: `abstain` is true or false, every
    other one a number (true is not 1)."""
    for k, x in v.items():
        if k == "abstain" and not isinstance(x, bool):
            raise ValueError(f"overseer_params.abstain must be true or false, got {x!r}")
        if k != "abstain" and isinstance(x, bool):
            raise ValueError(f"overseer_params.{k} must be a number, got {x!r}")


class BudgetSpec(Strict):
    kind: Literal["labels", "seconds", "money"] = "labels"
    amount: float = Field(400, gt=0)


# Each scheme's parameters, generated from the dataclass it runs with (one definition, one set of
# defaults: experiments/dataclass_config.py); the arm's `rlhf` table is RLHF's, the others add
# their scheme's own fields. Typed for mypy as plain models: they are read through model_dump.
if TYPE_CHECKING:
    RLHFSpec: TypeAlias = Strict
    DebateSpec: TypeAlias = Strict
    RRMSpec: TypeAlias = Strict
    AmplificationSpec: TypeAlias = Strict
    AdversarialSpec: TypeAlias = Strict
else:
    RewardModelConfigSpec = spec_model(RewardModelConfig, Strict, __name__)
    RLHFSpec = spec_model(RLHF, Strict, __name__)
    DebateSpec = spec_model(Debate, Strict, __name__, exclude=("rlhf",))
    RRMSpec = spec_model(RRM, Strict, __name__, exclude=("rlhf",))
    AmplificationSpec = spec_model(Amplification, Strict, __name__, exclude=("rlhf",))
    AdversarialSpec = spec_model(Adversarial, Strict, __name__, exclude=("rlhf",))

# Settings exposed after run keys were pinned (tests/unit/run_keys.json): hashed only when an
# arm sets them to something other than the default, so stored runs keep their keys.
KEYED_WHEN_SET = {("rlhf", "member_exploration"): True,
                  ("rlhf", "reward_model", "random_response"): 0.1,
                  ("rlhf", "reward_model", "holdout"): 1 / math.e,
                  ("lm", "preferences"): None,
                  ("lm", "reward_body"): "fresh",
                  ("lm", "overoptimization"): 0,
                  ("lm", "overoptimization_prompts"): 32,
                  ("lm", "selector"): "uniform",
                  ("lm", "initial_fraction"): 0.25,
                  ("lm", "rl_checkpoints"): 0,
                  ("lm", "rl_checkpoint_samples"): 8,
                  ("lm", "overoptimization_objectives"): ["mean"],
                  ("lm", "uwo_lambda"): 0.5,
                  ("lm", "gold"): "true"}
# hashed only with ("lm", "gold") = "rm", the one setting that uses them (else refused as set)
GOLD_RM_SETTINGS = ("gold_labels", "gold_reward_model")


SCHEME_SECTIONS = ("debate", "rrm", "amplification", "adversarial")  # parameters beyond rlhf's


class ArmSpec(Strict):
    name: str
    question: str = ""
    # a built-in gridworld, "digits", a Gymnasium id, an entry point or "package.module:factory"
    world: str
    world_params: dict[str, int | float | bool] = {}
    # what the arm is (experiments/kinds.py); filled in from the world when left out
    kind: Literal["tabular", "deep", "digits", "lm"] | None = None
    overseer: str = ""  # required, except for digits (its judge is part of the task)
    overseer_params: dict[str, int | float | bool] = {}
    # what the simulated overseer values: "true" (w_true), "spec" (the world's written reward)
    # or feature name -> weight (0 where unnamed); see overseers/presets.py overseer_weights
    overseer_values: Literal["true", "spec"] | dict[str, float] = "true"
    scheme: str = "rlhf"
    scheme_params: dict[str, Any] = {}  # keyword arguments of an outside scheme's factory
    rlhf: RLHFSpec = RLHFSpec()
    debate: DebateSpec = DebateSpec()
    rrm: RRMSpec = RRMSpec()
    amplification: AmplificationSpec = AmplificationSpec()
    adversarial: AdversarialSpec = AdversarialSpec()
    # deep RLHF's settings: schemes/deep_rlhf.py DeepRLHF's fields (validated against it)
    deep: dict[str, Any] = {}
    # the digits task: condition, k, and digits/experiment.py Config's fields
    digits: dict[str, Any] = {}
    # RLHF on a language model: schemes/lm_rlhf.py LMRLHF's fields (validated against it)
    lm: dict[str, Any] = {}
    # weak-to-strong on a text world: schemes/weak_to_strong.py WeakToStrong's fields
    w2s: dict[str, Any] = {}
    budget: BudgetSpec = BudgetSpec()
    analyses: list[Literal["failures", "overoptimization"]] = []
    # the "failures" analysis: an episode fails below this fraction of the way from the random
    # to the optimal policy's true return on its level (analysis/failures.py)
    failure_bar: float = Field(0.5, gt=0, le=1)
    swept: dict[str, Any] = {}  # filled by sweep expansion: dotted path -> this arm's value

    @field_validator("scheme", "world", "overseer")
    @classmethod
    def _known_name(cls, v: str, info: ValidationInfo) -> str:
        field = str(info.field_name)
        if field == "overseer" and v == "":
            return v  # required or refused by kind, below
        if refs.is_outside(v, field):  # type: ignore[arg-type]
            try:
                refs.load(v, field)  # type: ignore[arg-type]
            except ValueError as e:
                raise ValueError(str(e)) from None
            return v
        from oversight.worlds.text import TEXT_WORLDS

        known = list({"scheme": SCHEMES, "world": (*WORLDS, *TEXT_WORLDS, DIGITS),
                      "overseer": OVERSEERS}[field])
        if v not in known and not (field == "world" and kinds.is_gym_id(v)):
            more = " or a Gymnasium environment id" if field == "world" else ""
            raise ValueError(f"unknown {field} {v!r}{_closest(v, known)}; expected one of "
                             f"{known}{more}, an entry point in {refs.GROUPS[field]!r} "  # type: ignore[index]
                             "or an import reference 'package.module:factory'")
        return v

    @field_validator("overseer_params")
    @classmethod
    def _valid_overseer_params(cls, v: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        from dataclasses import fields

        import numpy as np

        from oversight.overseers.simulated import Rationality, View

        overseer = info.data.get("overseer", "")
        if overseer == "human":
            from oversight.web.human import check_params

            check_params(v)
            return v
        if overseer not in PRESETS:
            return v  # outside code checks its own parameters
        allowed = {f.name for f in fields(Rationality)} | {"attention"}
        unknown = set(v) - allowed
        if unknown:
            raise ValueError(f"unknown overseer parameter(s) {sorted(unknown)}; "
                             f"expected some of {sorted(allowed)}")
        _check_overseer_types(v)
        Rationality(**{k: x for k, x in v.items() if k != "attention"})  # checks the values
        if "attention" in v:
            View(np.zeros(1, dtype=bool), np.zeros(1, dtype=bool), v["attention"])
        return v

    @model_validator(mode="after")
    def _valid_world_params(self) -> ArmSpec:
        import inspect

        from oversight.worlds import world_module

        if self.world in WORLDS:
            accepted = set(inspect.signature(world_module(self.world).make).parameters)
            unknown = set(self.world_params) - accepted
            if unknown:
                raise ValueError(f"world_params: {self.world!r} has no parameter(s) "
                                 f"{sorted(unknown)}; it accepts {sorted(accepted)}")
            try:  # declared types and ranges (worlds/params.py), before anything is built
                declared_params.check(self.world, self.world_params,
                                      world_module(self.world).make)
            except ValueError as e:
                raise ValueError(f"world_params: {e}") from None
        try:  # building is cheap (tabular worlds are cached); it checks the values too
            world = kinds.build_world(self.world, dict(self.world_params))
        except (TypeError, ValueError) as e:
            raise ValueError(f"world_params: {e}") from None
        except ModuleNotFoundError as e:
            raise ValueError(f"world {self.world!r} needs {e.name}, which is not installed "
                             '(deep-RL worlds: pip install torch==2.13.0 -e ".[deep]")') from None
        kind = kinds.kind_of(world, self.world)
        if self.kind is not None and self.kind != kind:
            raise ValueError(f"kind: {self.world!r} is a {kind} world, not {self.kind}")
        self.__dict__["kind"] = kind  # frozen: filled in once, here
        self._check_kind(kind)
        if kind == "digits":
            return self
        if self.overseer_values != "true":
            if self.overseer == "human":
                raise ValueError("overseer_values: a human overseer's values are its own; "
                                 "leave overseer_values out of a human arm")
            from oversight.overseers.presets import overseer_weights

            overseer_weights(self.overseer_values, world)  # unknown features -> ValueError
        return self

    def _check_kind(self, kind: str) -> None:
        """What belongs to each kind; the kind's own table with every default filled in."""
        if self.scheme_params and not refs.is_outside(self.scheme, "scheme"):
            raise ValueError("scheme_params: only for an outside scheme (an entry point or an "
                             "import reference); built-in schemes have their own tables")
        if kind != "deep" and self.deep:
            raise ValueError(f"deep: settings for deep RLHF, but {self.world!r} is a {kind} "
                             "world")
        if kind != "lm" and self.lm:
            raise ValueError(f"lm: settings for language-model RLHF, but {self.world!r} is a "
                             f"{kind} world")
        if self.w2s and self.scheme != WEAK_TO_STRONG:
            raise ValueError(f"w2s: settings of the weak-to-strong scheme, but this arm's "
                             f"scheme is {self.scheme!r}")
        if self.scheme == WEAK_TO_STRONG:
            self._check_weak_to_strong(kind)
            return
        if kind != "digits" and self.digits:
            raise ValueError(f"digits: settings of the digits task, but {self.world!r} is a "
                             f"{kind} world")
        if kind == "tabular":
            if not self.overseer:
                raise ValueError("overseer: Field required")
            return
        if self.analyses:
            raise ValueError(f"analyses: {self.analyses} are for tabular worlds")
        if self.rlhf != RLHFSpec():
            raise ValueError(f"rlhf: the tabular RLHF loop's parameters, but {self.world!r} is "
                             f"a {kind} world (its settings are in [{kind}])")
        if kind == "digits":
            if self.overseer or self.overseer_params or self.overseer_values != "true":
                raise ValueError("overseer: the digits task's judge is part of the task; "
                                 "leave overseer out of a digits arm")
            if self.scheme != "debate":
                raise ValueError("scheme: a digits arm runs the debate task; use "
                                 "scheme = \"debate\" (the condition is digits.condition)")
            self.__dict__["digits"] = kinds.digits_settings(self.digits)
            return
        if kind == "lm":
            if not self.overseer:
                raise ValueError("overseer: a language-model arm needs an overseer (a preset, "
                                 "outside code, or \"human\": people reading the texts)")
            if self.scheme != "rlhf":
                raise ValueError(f"scheme: text worlds run RLHF (scheme = \"rlhf\", settings "
                                 f"in [lm]), not {self.scheme!r}")
            from oversight.experiments.dataclass_config import resolved
            from oversight.schemes.lm_rlhf import LMRLHF

            self.__dict__["lm"] = resolved(LMRLHF, self.lm, "lm")
            if self.lm["preferences"] is not None:
                from oversight.experiments.preferences import fingerprint

                try:
                    fingerprint(Path(self.lm["preferences"]).resolve())
                except ValueError as e:
                    raise ValueError(f"lm.preferences: {e}") from None
            return
        if not self.overseer or self.overseer == "human":
            raise ValueError("overseer: a deep-RL arm needs a simulated overseer (a preset or "
                             "outside code)")
        if self.scheme != "rlhf":
            raise ValueError(f"scheme: deep worlds run deep RLHF (scheme = \"rlhf\", settings "
                             f"in [deep]), not {self.scheme!r}")
        try:
            from oversight.experiments.dataclass_config import resolved
            from oversight.schemes.deep_rlhf import DeepRLHF
        except ModuleNotFoundError as e:
            raise ValueError(f"deep-RL arms need {e.name}: pip install torch==2.13.0 "
                             '-e ".[deep]"') from None
        self.__dict__["deep"] = resolved(DeepRLHF, self.deep, "deep")

    def _check_weak_to_strong(self, kind: str) -> None:
        """A weak-to-strong arm: a text world, no overseer (the weak model supervises), no
        budget or other kind's settings; its `[w2s]` table with every default filled in."""
        if kind != "lm":
            raise ValueError(f"scheme: weak-to-strong runs on text worlds (lm-...), but "
                             f"{self.world!r} is a {kind} world")
        if self.overseer or self.overseer_params or self.overseer_values != "true":
            raise ValueError("overseer: in weak-to-strong the weak model is the supervisor; "
                             "leave overseer out of a weak-to-strong arm")
        for section in ("lm", "deep", "digits"):
            if getattr(self, section):
                raise ValueError(f"{section}: a weak-to-strong arm's settings are in [w2s]")
        if self.budget != BudgetSpec():
            raise ValueError("budget: a weak-to-strong arm spends no labels of an overseer; "
                             "its data sizes are w2s.train, w2s.val and w2s.test")
        if self.analyses or self.rlhf != RLHFSpec():
            raise ValueError("rlhf, analyses: for tabular worlds, not a weak-to-strong arm")
        from oversight.experiments.dataclass_config import build, resolved
        from oversight.schemes.weak_to_strong import WeakToStrong

        build(WeakToStrong, self.w2s, "w2s").check(kinds.build_world(self.world,
                                                                     dict(self.world_params)))
        self.__dict__["w2s"] = resolved(WeakToStrong, self.w2s, "w2s")

    def resolved(self) -> dict[str, Any]:
        """The arm's full configuration, defaults filled in (what a run key hashes; the
        question is a label for reports and is left out, so rewording it reruns nothing; so
        are the parameter sections of the schemes this arm does not use)."""
        unused = {s for s in SCHEME_SECTIONS if s != self.scheme} | {"kind"}
        if self.kind != "tabular":
            unused |= {"rlhf", *SCHEME_SECTIONS, "analyses", "failure_bar"}
        for section in ("deep", "digits", "lm", "w2s", "scheme_params"):
            if not getattr(self, section):  # absent: keys of older runs stay as they were
                unused.add(section)
        if self.kind == "digits" or self.scheme == WEAK_TO_STRONG:
            unused |= {"overseer", "overseer_params", "overseer_values", "budget"}
        if self.overseer_values == "true":  # the default: keys of older runs stay as they were
            unused.add("overseer_values")
        if self.failure_bar == 0.5:  # the default: keys of older runs stay as they were
            unused.add("failure_bar")
        config = self.model_dump(mode="json", exclude={"question", "swept", *unused})
        if self.lm.get("preferences") is not None:  # keyed by the data, not where it lies
            from oversight.experiments.preferences import fingerprint

            config["lm"]["preferences"] = fingerprint(Path(self.lm["preferences"]).resolve())
        if "lm" in config and config["lm"].get("gold", "true") == "true":
            for key in GOLD_RM_SETTINGS:
                config["lm"].pop(key, None)
        for path, default in KEYED_WHEN_SET.items():
            *parents, key = path
            table = config
            for p in parents:
                table = table.get(p, {})
            if table.get(key, default) == default:
                table.pop(key, None)
        return config


class ExperimentSpec(Strict):
    name: str
    description: str = ""
    seeds: int = Field(5, ge=1)
    arms: list[ArmSpec] = Field(min_length=1)

    @field_validator("arms")
    @classmethod
    def _unique_names(cls, arms: list[ArmSpec]) -> list[ArmSpec]:
        names = [a.name for a in arms]
        dup = {n for n in names if names.count(n) > 1}
        if dup:
            raise ValueError(f"arm names must be unique; repeated: {sorted(dup)}")
        return arms


def run_key(arm: ArmSpec, seed: int) -> str:
    """A stable key of one run: a hash of the arm's resolved config and the seed."""
    blob = json.dumps({"arm": arm.resolved(), "seed": seed}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _check_path(path: str) -> None:
    """Raise ValueError unless `path` names a value of an arm (any key inside *_params)."""
    model: type[BaseModel] = ArmSpec
    parts = path.split(".")
    for i, part in enumerate(parts):
        fields = [f for f in model.model_fields if f != "swept"]
        if part not in fields:
            raise ValueError(f"sweep over unknown field {path!r}{_closest(part, fields)}; "
                             f"fields here: {fields}")
        annotation = model.model_fields[part].annotation
        last = i == len(parts) - 1
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if last:
                raise ValueError(f"sweep over {path!r}: name a value inside it, "
                                 f"e.g. {path}.{next(iter(annotation.model_fields))}")
            model = annotation
        elif part in ("deep", "digits", "lm", "w2s") and not last:  # checked with the arm
            return
        elif part.endswith("_params"):  # free-form: one more key, checked when the arm is
            if len(parts) != i + 2:
                raise ValueError(f"sweep over {path!r}: expected {part}.NAME")
            return
        elif not last:
            raise ValueError(f"sweep over {path!r}: {part!r} is a value, not a table")


def _set(raw: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = dict(raw)
    head, _, rest = path.partition(".")
    if rest:
        inner = out.get(head) or {}
        if not isinstance(inner, dict):
            raise SpecError(f"sweep over {path!r}: {head} is {inner!r}, not a table")
        out[head] = _set(inner, rest, value)
    else:
        out[head] = value
    return out


def _expand_sweep(arm: dict[str, Any], where: str) -> list[dict[str, Any]]:
    sweep = arm.pop("sweep", None)
    if sweep is None:
        return [arm]
    if "name" not in arm:
        raise SpecError(f"{where}.name: Field required (a swept arm's variants are named after it)")
    if not isinstance(sweep, dict) or not sweep:
        raise SpecError(f"{where}.sweep: expected a table of dotted field paths to lists of "
                        f"values, got {sweep!r}")
    for path, values in sweep.items():
        try:
            _check_path(path)
        except ValueError as e:
            raise SpecError(f"{where}.sweep: {e}") from None
        if not isinstance(values, list) or not values:
            raise SpecError(f"{where}.sweep.{path}: expected a non-empty list of values, "
                            f"got {values!r}")
    try:
        limits.check_combinations(limits.sweep_size(sweep), where)
    except limits.LimitError as e:
        raise SpecError(str(e)) from None
    out = []
    for combo in itertools.product(*sweep.values()):
        variant = arm
        for path, value in zip(sweep, combo, strict=True):
            try:
                variant = _set(variant, path, value)
            except SpecError as e:
                raise SpecError(f"{where}.{e}") from None
        label = ", ".join(f"{p}={v}" for p, v in zip(sweep, combo, strict=True))
        variant["name"] = f"{arm.get('name', '?')} [{label}]"
        variant["swept"] = dict(zip(sweep, combo, strict=True))
        out.append(variant)
    return out


def parse(text: str, source: str) -> ExperimentSpec:
    """Parse and validate experiment TOML; `source` names the file in error messages."""
    if not text.strip():
        raise SpecError(f"{source}: the file is empty; an experiment needs a name and [[arms]]")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError(f"{source}: not valid TOML: {e}") from None
    defaults = raw.pop("defaults", {})
    if not isinstance(defaults, dict):
        raise SpecError(f"{source}: defaults: expected a table, got {defaults!r}")
    if isinstance(raw.get("arms"), list):
        arms = []
        for i, arm in enumerate(raw["arms"]):
            if not isinstance(arm, dict):
                arms.append(arm)  # pydantic reports the wrong type with its path
                continue
            merged = _merge(defaults, arm)
            scheme = merged.get("scheme", "rlhf")
            for section in SCHEME_SECTIONS:  # the scheme is a tagged choice: its own table only
                if section in merged and section != scheme:
                    raise SpecError(f"{source}: arms.{i}.{section}: parameters of the {section} "
                                    f"scheme, but this arm's scheme is {scheme!r}")
            arms += _expand_sweep(merged, f"{source}: arms.{i}")
        raw["arms"] = arms
    try:
        spec = ExperimentSpec.model_validate(raw)
        limits.check(spec, source)
        return spec
    except limits.LimitError as e:
        raise SpecError(str(e)) from None
    except ValidationError as e:
        lines = []
        names = [a.get("name") if isinstance(a, dict) else None for a in raw.get("arms") or []]
        for err in e.errors():
            path = ".".join(str(p) for p in err["loc"])
            loc = err["loc"]
            if len(loc) >= 2 and loc[0] == "arms" and isinstance(loc[1], int) \
                    and loc[1] < len(names) and names[loc[1]]:
                path += f" (arm {names[loc[1]]!r})"
            shown = err["type"] != "missing" and not isinstance(err.get("input"), dict)
            given = f" (given: {err.get('input')!r})" if shown else ""
            hint = _closest(str(loc[-1]), _fields_at(loc[:-1])) \
                if err["type"] == "extra_forbidden" else ""
            lines.append(f"  {path}: {err['msg']}{hint}{given}")
        raise SpecError(f"{source}: invalid experiment:\n" + "\n".join(lines)) from None


def _fields_at(loc: tuple[int | str, ...]) -> list[str]:
    """The field names of the model at `loc` of an experiment (for "did you mean")."""
    model: Any = ExperimentSpec
    for part in loc:
        if isinstance(part, int):
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            return []
        model = field.annotation
        for inner in typing.get_args(model):  # list[ArmSpec], X | None
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                model = inner
    return list(getattr(model, "model_fields", {}))


def builtin_names() -> list[str]:
    """The catalogue's experiments, the default one first."""
    return sorted((p.stem for p in CATALOG.glob("*.toml")), key=lambda n: (n != "default", n))


def load(name_or_path: str) -> ExperimentSpec:
    """A built-in experiment by name, or an experiment file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise SpecError(f"{path}: no such experiment file")
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise SpecError(f"{path}: cannot be read as a TOML text file ({e})") from None
        return parse(text, str(path))
    builtin = CATALOG / f"{name_or_path}.toml"
    if not builtin.is_file():
        names = builtin_names()
        raise SpecError(f"no built-in experiment {name_or_path!r}{_closest(name_or_path, names)}; "
                        f"built-in: {', '.join(names)}")
    return parse(builtin.read_text(), f"catalog/{builtin.name}")
