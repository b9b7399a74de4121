"""The embedding cache, which `align batch` workers open together."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import numpy as np

from align import Pipeline
from align.embed import CachedEncoder


def test_a_cache_another_process_is_writing_is_waited_for_not_refused(tmp_path: Path, pipeline: Pipeline) -> None:
    # a worker that created the cache a moment earlier holds a write lock; switching the file to
    # WAL then fails at once ("database is locked") unless opening waits and tries again
    writer = sqlite3.connect(tmp_path / "embeddings.sqlite3", isolation_level=None, check_same_thread=False)
    writer.execute("BEGIN IMMEDIATE")
    threading.Timer(0.5, writer.execute, ("COMMIT",)).start()
    texts = ["Der Gipfel liegt auf 4478 m.", "Le sommet culmine à 4478 m."]
    cache = CachedEncoder(pipeline.encoder.encoder, cache_dir=tmp_path)
    vectors = cache.encode(texts)
    cache.close()
    again = CachedEncoder(pipeline.encoder.encoder, cache_dir=tmp_path)
    assert np.array_equal(again.encode(texts), vectors) and again.stats.cache_hits == 2
    again.close()
    writer.close()
