#!/usr/bin/python3
"""Turns a benchmarks/compare.sh CSV into its markdown report and chart (same folder, same stem).

    /usr/bin/python3 benchmarks/compare/report.py benchmarks/results/compare-STAMP.csv MACHINE_TXT

The markdown states the machine, then per network a table of req/s, p50 and p99 per path and concurrency with the
ratio of each path's throughput to the raw DJL Predictor's at the same concurrency (the headline numbers), and
links the PNG: throughput and p99 against concurrency, one column per network.
"""
import csv
import os
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

PATHS = ["raw", "server", "wait", "undertow", "tomcat", "batch8", "python"]
LABELS = {
    "raw": "raw DJL Predictor",
    "server": "in-process predict().join()",
    "wait": "in-process predictAndWait",
    "undertow": "Undertow HTTP",
    "tomcat": "Tomcat HTTP (WAR)",
    "batch8": "Undertow HTTP, batch_size=8 (1 ms)",
    "python": "Python mode (HTTP)",
}
NETWORKS = {
    "digits": "tiny: the 8x8-digits CNN (TorchScript), (1,1,8,8) float32 in, 10 logits out",
    "digitsonnx": "tiny: the same CNN exported to ONNX (ONNX Runtime), (1,1,8,8) float32 in, 10 logits out",
    "resnet18": "resnet18, (1,3,224,224) float32 in (602 KB .npy), 1000 logits out",
}


def load(path):
    rows = defaultdict(dict)  # network -> (path, concurrency) -> row
    with open(path, encoding="utf-8") as f:
        for row in csv.DictReader(f):
            rows[row["network"]][(row["path"], int(row["concurrency"]))] = {
                "rps": float(row["rps"]), "p50": float(row["p50_ms"]), "p99": float(row["p99_ms"]),
                "errors": int(row["errors"])}
    return rows


def table(points):
    concurrencies = sorted({c for _, c in points})
    paths = [p for p in PATHS if any((p, c) in points for c in concurrencies)]
    lines = ["| path | " + " | ".join(f"C={c}: req/s (× raw), p50 / p99 ms" for c in concurrencies) + " |",
             "|---|" + "---|" * len(concurrencies)]
    for p in paths:
        cells = []
        for c in concurrencies:
            r = points.get((p, c))
            raw = points.get(("raw", c))
            if r is None:
                cells.append("—")
                continue
            ratio = f" (**{r['rps'] / raw['rps']:.2f}×**)" if raw and p != "raw" else ""
            errors = f", {r['errors']} errors" if r["errors"] else ""
            cells.append(f"{r['rps']:,.0f}{ratio}, {r['p50']:.2f} / {r['p99']:.2f}{errors}")
        lines.append(f"| {LABELS[p]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def chart(rows, png):
    nets = [n for n in NETWORKS if n in rows] + [n for n in rows if n not in NETWORKS]
    fig, axes = plt.subplots(2, len(nets), figsize=(6.5 * len(nets), 8), squeeze=False)
    for col, net in enumerate(nets):
        points = rows[net]
        for p in PATHS:
            cs = sorted(c for q, c in points if q == p)
            if not cs:
                continue
            axes[0][col].plot(cs, [points[(p, c)]["rps"] for c in cs], marker="o", label=LABELS[p])
            axes[1][col].plot(cs, [points[(p, c)]["p99"] for c in cs], marker="o", label=LABELS[p])
        axes[0][col].set_title(f"{net}: throughput")
        axes[0][col].set_ylabel("requests / s")
        axes[1][col].set_title(f"{net}: p99 latency")
        axes[1][col].set_ylabel("p99 ms")
        for ax in (axes[0][col], axes[1][col]):
            ax.set_xscale("log", base=2)
            ax.set_yscale("log")
            ax.set_xlabel("concurrency (closed-loop clients)")
            ax.grid(True, which="both", alpha=0.3)
        axes[0][col].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: report.py COMPARE_CSV MACHINE_TXT")
    csv_path, machine_path = sys.argv[1], sys.argv[2]
    stem = os.path.splitext(csv_path)[0]
    rows = load(csv_path)
    chart(rows, stem + ".png")
    with open(machine_path, encoding="utf-8") as f:
        machine = [line.rstrip("\n") for line in f if line.strip()]
    out = ["# ServingKit vs the raw DJL Predictor: one network file, every way to serve it", "",
           "Produced by `benchmarks/compare.sh` (raw data: `" + os.path.basename(csv_path) + "`).", "",
           "Machine and settings:", ""]
    out += [f"- {line}" for line in machine]
    out += ["", "Every path of a network runs the same model file (TorchScript, or ONNX for digitsonnx), batch_size 1 "
            "but on the batch_size=8 path, 2 workers (raw: one Predictor per client thread), one intra-op thread "
            "each; the body is the same `.npy` tensor. C = closed-loop clients (wrk "
            "connections, or threads calling `predict(...).join()` in process). × raw = req/s divided by the raw "
            "Predictor's req/s at the same C, measured in the same run.", ""]
    for net in rows:
        out += [f"## {net} — {NETWORKS.get(net, net)}", "", table(rows[net]), ""]
    out += [f"![throughput and p99 vs concurrency]({os.path.basename(stem)}.png)", ""]
    with open(stem + ".md", "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    print("\n".join(out))
    print("wrote", stem + ".md", "and", stem + ".png")


if __name__ == "__main__":
    main()
