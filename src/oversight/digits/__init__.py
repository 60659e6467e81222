"""Debate with a sparse judge on scikit-learn's 8×8 digits (Irving, Christiano, Amodei 2018).

Pure computation, no file I/O: `data` (images and split), `judge` (the sparse classifier),
`game` (the debate game and its verdicts), `debaters` (random, greedy, exact minimax, MCTS, with
the search machinery in `minimax` and `mcts`), `experiment` (every condition over judge seeds)
and `cli` (the table, and the CSV/Markdown files when asked).
"""
