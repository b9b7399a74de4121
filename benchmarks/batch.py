"""Batch throughput: `align batch` on the 130 WMT20 en-de documents with 1 and 2 worker processes.

Each document's segments are joined into running text (the headline, i.e. the first
segment, on its own line, the rest as one paragraph) so that the sentence splitter runs
too; English is the source, German the target, two files per document. Every run starts
with a cold, private embedding cache (a fresh ALIGN_CACHE_DIR), so the encoder does all
the work. Peak RSS is that of the whole process tree (the batch process and its
workers), sampled from /proc every 0.1 s.

    python benchmarks/batch.py                 # jobs 1 and 2, all 130 documents
    python benchmarks/batch.py --jobs 1,2,4 --limit 40
    python benchmarks/batch.py --scale 10000   # memory of the batch process: 130 vs 10,000 documents
    python benchmarks/batch.py --scale 1000 --limit 8

With ``--scale N`` it instead checks that the batch process's memory does not grow with
the number of documents: it aligns the 130 (or ``--limit``) documents, filling a cache,
then a manifest of N documents that cycles through the same files under new ids (all cache hits,
so only reading, segmenting, aligning, writing and merging remain), and reports the
peak RSS of the main batch process (the workers' memory depends on one task, not on N).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "deen" / "wmt20_newstest2020_ende.tsv"


def build_corpus(directory: Path, limit: int | None, repeat_to: int | None = None) -> tuple[Path, int]:
    """Write <doc>.en.txt / <doc>.de.txt for each WMT20 document and a manifest; return it and the count.

    With ``repeat_to`` the manifest lists that many documents, cycling through the files.
    """
    documents: dict[str, list[tuple[str, str]]] = {}
    with open(DATA, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            documents.setdefault(row["doc_id"], []).append((row["en"], row["de"]))
    chosen = list(documents)[:limit] if limit else list(documents)
    manifest = directory / "manifest.tsv"
    with open(manifest, "w", encoding="utf-8") as m:
        m.write("doc_id\tsrc\ttgt\tsrc_lang\ttgt_lang\n")
        for doc_id in chosen:
            for column, lang in ((0, "en"), (1, "de")):
                segments = [pair[column] for pair in documents[doc_id]]
                text = segments[0] + "\n" + " ".join(segments[1:]) + "\n"
                (directory / f"{doc_id}.{lang}.txt").write_text(text, encoding="utf-8")
        count = repeat_to or len(chosen)
        for i in range(count):
            doc_id = chosen[i % len(chosen)]
            copy_id = doc_id if repeat_to is None else f"copy{i:06d}-{doc_id}"
            m.write(f"{copy_id}\t{doc_id}.en.txt\t{doc_id}.de.txt\ten\tde\n")
    return manifest, count


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name field may contain spaces
        children.setdefault(ppid, []).append(int(entry))
    found, stack = [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def run_batch(manifest: Path, jobs: int, workdir: Path, name: str = "", cache_name: str = "") -> dict[str, float]:
    name = name or f"jobs{jobs}"
    outdir, cache = workdir / f"out-{name}", workdir / f"cache-{cache_name or name}"
    env = os.environ | {"ALIGN_CACHE_DIR": str(cache)}
    env.pop("OMP_NUM_THREADS", None)
    command = [sys.executable, "-m", "align.cli", "batch", str(manifest), "-o", str(outdir), "--jobs", str(jobs)]
    command += ["--no-progress", "--log-interval", "60"]
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak_tree, peak_process, peak_main = 0, 0, 0
    while process.poll() is None:
        sizes = [_rss_kib(pid) for pid in _descendants(process.pid)]
        peak_tree, peak_process = max(peak_tree, sum(sizes)), max(peak_process, *sizes, 0)
        peak_main = max(peak_main, _rss_kib(process.pid))
        time.sleep(0.1)
    wall = time.perf_counter() - started
    stdout, stderr = process.communicate()
    if process.returncode not in (0, 1):
        sys.exit(f"align batch failed ({process.returncode}):\n{stdout}\n{stderr}")
    summary = json.loads((outdir / "summary.json").read_text(encoding="utf-8"))
    if summary["documents"]["failed"]:
        failures = (outdir / "errors.tsv").read_text(encoding="utf-8").splitlines()[1:]
        print(f"jobs {jobs}: {len(failures)} documents failed, e.g. {failures[:3]}", file=sys.stderr)
    sentences = sum(summary["content_segments"].values())
    return {
        "jobs": jobs,
        "documents": summary["documents"]["succeeded"],
        "failed": summary["documents"]["failed"],
        "sentences": sentences,
        "pairs": summary["pairs"],
        "wall": wall,
        "docs_per_s": summary["documents"]["succeeded"] / wall,
        "sentences_per_s": sentences / wall,
        "peak_tree_mib": peak_tree / 1024,
        "peak_process_mib": peak_process / 1024,
        "peak_main_mib": peak_main / 1024,
        "encoded": summary["this_run"]["encoder"].get("texts", 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--jobs", default="1,2", help="comma-separated worker counts (default 1,2)")
    parser.add_argument("--limit", type=int, default=None, help="only the first N documents")
    parser.add_argument("--scale", type=int, default=None, help="memory check with an N-document manifest")
    args = parser.parse_args()
    if not DATA.exists():
        sys.exit(f"evaluation data not found: {DATA}")
    if args.scale:
        scale(args.scale, int(args.jobs.split(",")[-1]), args.limit)
        return
    with tempfile.TemporaryDirectory(prefix="align-batch-bench-") as tmp:
        workdir = Path(tmp)
        corpus = workdir / "corpus"
        corpus.mkdir()
        manifest, count = build_corpus(corpus, args.limit)
        results = [run_batch(manifest, int(j), workdir) for j in args.jobs.split(",")]
    command = "python benchmarks/batch.py" + "".join(
        f" {flag} {value}" for flag, value in (("--jobs", args.jobs), ("--limit", args.limit)) if value
    )
    print(f"`align batch` on {count} WMT20 en-de documents (newstest2020, en→de), cold embedding cache per run,")
    print(f"bundled model, {os.cpu_count()} CPUs. Wall time includes start-up and model loading.\n")
    print("| jobs | documents (failed) | content sentences | pairs | wall s | documents/s | sentences/s "
          "| peak RSS, process tree | peak RSS, largest process | texts encoded |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        print(
            f"| {r['jobs']} | {r['documents']} ({r['failed']}) | {r['sentences']} | {r['pairs']} | {r['wall']:.1f} "
            f"| {r['docs_per_s']:.2f} | {r['sentences_per_s']:.1f} | {r['peak_tree_mib']:.0f} MiB "
            f"| {r['peak_process_mib']:.0f} MiB | {r['encoded']} |"
        )
    print(f"\nCommand: `{command}`")


def scale(count: int, jobs: int, limit: int | None) -> None:
    with tempfile.TemporaryDirectory(prefix="align-batch-scale-") as tmp:
        workdir = Path(tmp)
        rows = []
        for n in (None, count):
            corpus = workdir / f"corpus-{n or 'base'}"
            corpus.mkdir()
            manifest, documents = build_corpus(corpus, limit, n)
            rows.append(run_batch(manifest, jobs, workdir, name=f"scale-{documents}", cache_name="shared"))
    distinct = rows[0]["documents"] + rows[0]["failed"]
    print(f"Memory of `align batch` (jobs {jobs}) against the number of documents: {distinct} WMT20 documents with")
    print(f"a cold cache, then a manifest that cycles through the same {distinct} files under {count} new ids")
    print("(all cache hits). Peak RSS sampled every 0.1 s.\n")
    print("| documents | failed | wall s | documents/s | peak RSS, batch process | peak RSS, largest worker |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['documents'] + r['failed']} | {r['failed']} | {r['wall']:.1f} | {r['docs_per_s']:.2f} "
            f"| {r['peak_main_mib']:.0f} MiB | {r['peak_process_mib']:.0f} MiB |"
        )
    limit_flag = f" --limit {limit}" if limit else ""
    print(f"\nCommand: `python benchmarks/batch.py --scale {count} --jobs {jobs}{limit_flag}`")


if __name__ == "__main__":
    main()
