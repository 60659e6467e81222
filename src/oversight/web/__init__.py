"""Human labellers: a labelling queue on SQLite, a FastAPI server with a page, and the `human`
overseer that waits for their labels (README, "Human labellers").

    db.py       the labels database next to the results store (DIR/labels.sqlite, WAL)
    tokens.py   labeller and admin tokens, stored as SHA-256 hashes
    queue.py    batches, leases, redundancy, gold questions, answers
    frames.py   a segment replayed in its world, as the frames a lay or expert labeller sees
    stats.py    per-labeller agreement, answer times, abstention; CSV export
    human.py    the `human` overseer: posts queries, waits for the labels
    server.py   the FastAPI app: the page, the admin page and the JSON API
    cli.py      `oversight serve` and `oversight labellers ...`
"""
