

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
