"""The README's long-memory table from the committed result files: test score per task, body and
sequence length (T=10-200 from `long_memory.json`, T=500 from `long_memory_t500.json` and
`long_memory_t500_ends_adding.json`), the budget-30 run, the gradient ratios, and each file's header.
Trains nothing:

    python bench/long_memory_table.py
"""
from __future__ import annotations

import json
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
FILES = ("long_memory.json", "long_memory_t500.json", "long_memory_t500_ends_adding.json", "long_memory_budget30.json")
ROWS = [
    ("first_sign (sign of step 0)", "first_sign", ("simple_rnn", "SimpleRNN"),
     ("simple_rnn (equal params)", "SimpleRNN, LSTM-sized (65 units)"), ("lstm", "LSTM"), ("gru", "GRU")),
    ("recall (token at step 0, 4 classes)", "recall", ("simple_rnn", "SimpleRNN"), ("lstm", "LSTM"), ("gru", "GRU")),
    ("ends (first + last value > 0)", "ends", ("simple_rnn", "SimpleRNN"), ("lstm", "LSTM"),
     ("lstm+bidirectional", "Bidirectional LSTM")),
]
LENGTHS = (10, 20, 50, 100, 200, 500)


def scores() -> dict:
    """{(task, model, length): score} over the T=10-200 and T=500 files that record their library
    versions (a file written before result files did is left out: its cells show "-")."""
    found = {}
    for name in FILES[:3]:
        data = json.loads((RESULTS / name).read_text())
        if not data.get("versions"):
            continue
        for row in data["summary"]:
            found[(row["task"], row["model"], row["length"])] = row["score"]
    return found


def table() -> str:
    found = scores()
    lines = ["| task | model | " + " | ".join(f"T={t}" if t == 10 else str(t) for t in LENGTHS) + " |",
             "| --- | --- | " + " | ".join("---" for _ in LENGTHS) + " |"]
    for label, task, *models in ROWS:
        for i, (model, name) in enumerate(models):
            cells = [f"{found[(task, model, t)]:.2f}" if (task, model, t) in found else "-" for t in LENGTHS]
            lines.append(f"| {label if i == 0 else ''} | {name} | " + " | ".join(cells) + " |")
    adding = []
    for t in LENGTHS:
        values = [v for (task, _, length), v in found.items() if task == "adding" and length == t]
        adding.append(f"{min(values):.3f}-{max(values):.3f}" if values else "-")
    lines.append("| adding (MSE) | every body | " + " | ".join(adding) + " |")
    return "\n".join(lines)


def main() -> None:
    for name in FILES:
        data = json.loads((RESULTS / name).read_text())
        print(json.dumps({"file": name, "date": data["date"], "machine": data["machine"], "versions": data.get("versions"),
                          "budget": data["budget"], "total_seconds": data["total_seconds"]}))
    print(table())
    budget = json.loads((RESULTS / FILES[3]).read_text())["summary"]
    print(json.dumps({"budget30": {f"{r['task']}/{r['model']}": r["score"] for r in budget}}))
    gradients = json.loads((RESULTS / FILES[0]).read_text())["gradients"]
    ratios = {model: {when: values[0] / values[-1] for when, values in stages.items()}
              for model, stages in gradients["norms"].items()}
    print(json.dumps({"gradient_step0_over_last": ratios, "task": gradients["task"], "length": gradients["length"]}))


if __name__ == "__main__":
    main()
