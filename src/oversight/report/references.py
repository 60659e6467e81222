"""The papers the lab implements, as BibTeX, and how a citation reads in prose."""

from __future__ import annotations

BIB: dict[str, tuple[str, str]] = {  # key -> (in-text form, BibTeX entry)
    "christiano2017": ("Christiano et al., 2017", """@inproceedings{christiano2017,
  title = {Deep Reinforcement Learning from Human Preferences},
  author = {Christiano, Paul F. and Leike, Jan and Brown, Tom and Martic, Miljan and
            Legg, Shane and Amodei, Dario},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2017},
  note = {arXiv:1706.03741}
}"""),
    "ouyang2022": ("Ouyang et al., 2022", """@inproceedings{ouyang2022,
  title = {Training Language Models to Follow Instructions with Human Feedback},
  author = {Ouyang, Long and Wu, Jeff and Jiang, Xu and Almeida, Diogo and others},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2022},
  note = {arXiv:2203.02155}
}"""),
    "stiennon2020": ("Stiennon et al., 2020", """@inproceedings{stiennon2020,
  title = {Learning to Summarize from Human Feedback},
  author = {Stiennon, Nisan and Ouyang, Long and Wu, Jeff and Ziegler, Daniel M. and
            Lowe, Ryan and Voss, Chelsea and Radford, Alec and Amodei, Dario and
            Christiano, Paul},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2020},
  note = {arXiv:2009.01325}
}"""),
    "lee2021bpref": ("Lee et al., 2021", """@inproceedings{lee2021bpref,
  title = {{B-Pref}: Benchmarking Preference-Based Reinforcement Learning},
  author = {Lee, Kimin and Smith, Laura and Dragan, Anca and Abbeel, Pieter},
  booktitle = {Neural Information Processing Systems Datasets and Benchmarks Track},
  year = {2021},
  note = {arXiv:2111.03026}
}"""),
    "leike2017gridworlds": ("Leike et al., 2017", """@article{leike2017gridworlds,
  title = {{AI} Safety Gridworlds},
  author = {Leike, Jan and Martic, Miljan and Krakovna, Victoria and Ortega, Pedro A. and
            Everitt, Tom and Lefrancq, Andrew and Orseau, Laurent and Legg, Shane},
  journal = {arXiv preprint arXiv:1711.09883},
  year = {2017}
}"""),
    "leike2018rrm": ("Leike et al., 2018", """@article{leike2018rrm,
  title = {Scalable Agent Alignment via Reward Modeling: a Research Direction},
  author = {Leike, Jan and Krueger, David and Everitt, Tom and Martic, Miljan and
            Maini, Vishal and Legg, Shane},
  journal = {arXiv preprint arXiv:1811.07871},
  year = {2018}
}"""),
    "irving2018debate": ("Irving et al., 2018", """@article{irving2018debate,
  title = {{AI} Safety via Debate},
  author = {Irving, Geoffrey and Christiano, Paul and Amodei, Dario},
  journal = {arXiv preprint arXiv:1805.00899},
  year = {2018}
}"""),
    "christiano2018ida": ("Christiano et al., 2018", """@article{christiano2018ida,
  title = {Supervising Strong Learners by Amplifying Weak Experts},
  author = {Christiano, Paul and Shlegeris, Buck and Amodei, Dario},
  journal = {arXiv preprint arXiv:1810.08575},
  year = {2018}
}"""),
    "gao2022overoptimization": ("Gao et al., 2022", """@article{gao2022overoptimization,
  title = {Scaling Laws for Reward Model Overoptimization},
  author = {Gao, Leo and Schulman, John and Hilton, Jacob},
  journal = {arXiv preprint arXiv:2210.10760},
  year = {2022}
}"""),
    "coste2023ensembles": ("Coste et al., 2023", """@inproceedings{coste2023ensembles,
  title = {Reward Model Ensembles Help Mitigate Overoptimization},
  author = {Coste, Thomas and Anwar, Usman and Kirk, Robert and Krueger, David},
  booktitle = {International Conference on Learning Representations},
  year = {2024},
  note = {arXiv:2310.02743}
}"""),
    "osband2016bootstrapped": ("Osband et al., 2016", """@inproceedings{osband2016bootstrapped,
  title = {Deep Exploration via Bootstrapped {DQN}},
  author = {Osband, Ian and Blundell, Charles and Pritzel, Alexander and Van Roy, Benjamin},
  booktitle = {Advances in Neural Information Processing Systems},
  year = {2016}
}"""),
    "uni-rlhf2024": ("Yuan et al., 2024", """@inproceedings{uni-rlhf2024,
  title = {{Uni-RLHF}: Universal Platform and Benchmark Suite for Reinforcement Learning with
           Diverse Human Feedback},
  author = {Yuan, Yifu and Hao, Jianye and Ma, Yi and Dong, Zibin and Liang, Hebin and
            Liu, Jinyi and Feng, Zhixin and Zhao, Kai and Zheng, Yan},
  booktitle = {International Conference on Learning Representations},
  year = {2024}
}"""),
    "burns2023weak": ("Burns et al., 2023", """@article{burns2023weak,
  title = {Weak-to-Strong Generalization: Eliciting Strong Capabilities With Weak Supervision},
  author = {Burns, Collin and Izmailov, Pavel and Kirchner, Jan Hendrik and Baker, Bowen and
            Gao, Leo and Aschenbrenner, Leopold and Chen, Yining and Ecoffet, Adrien and
            Joglekar, Manas and Leike, Jan and Sutskever, Ilya and Wu, Jeff},
  journal = {arXiv preprint arXiv:2312.09390},
  year = {2023}
}"""),
}
