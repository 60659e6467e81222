"""The language-model track's learning code (DESIGN.md §9): a tokenizer and base models trained
here from scratch (tokenizer.py, base_model.py), reward models and optimisers over them."""
