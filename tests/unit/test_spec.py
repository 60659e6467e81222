"""Experiment files: scheme sections and run keys; the order runs are dispatched in."""

def test_scheme_sections_parse_and_only_the_arms_own_enters_its_run_key() -> None:
    from oversight.experiments.spec import parse

    spec = parse('name = "x"\n[[arms]]\nname = "a"\nworld = "hidden-hazard"\noverseer = "lay"\n'
                 'scheme = "debate"\ndebate = { rounds = 2, debaters = "greedy" }\n'
                 '[[arms]]\nname = "b"\nworld = "hidden-hazard"\noverseer = "lay"\n', "x.toml")
    debate, plain = (a.resolved() for a in spec.arms)
    assert debate["debate"] == {"rounds": 2, "debaters": "greedy", "max_units": 10,
                                "max_positions": 4096,
                                "simulations": 16}
    assert not {"debate", "rrm", "amplification", "adversarial"} & set(plain)
    assert "rrm" not in debate


def test_runs_take_their_worlds_in_turn() -> None:
    """Parallel workers start on different worlds; each world's runs keep their order, and
    nothing is lost or repeated."""
    from oversight.experiments.runner import alternate_worlds, expand
    from oversight.experiments.spec import parse

    spec = parse('name = "t"\nseeds = 2\n'
                 '[[arms]]\nname = "a"\nworld = "camera-room"\noverseer = "oracle"\n'
                 '[[arms]]\nname = "b"\nworld = "camera-room"\noverseer = "lay"\n'
                 '[[arms]]\nname = "c"\nworld = "hidden-hazard"\noverseer = "oracle"\n', "t.toml")
    runs = expand(spec)
    order = [(r.arm.name, r.seed) for r in alternate_worlds(runs)]
    assert order == [("a", 0), ("c", 0), ("a", 1), ("c", 1), ("b", 0), ("b", 1)]
