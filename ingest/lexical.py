"""The lexical index and chunk store of one generation: SQLite with FTS5.

Chunk text, structure metadata and the document manifest live here, beside BM25 over
Chinese-aware tokens (jieba words, character bigrams and single characters in separate
columns, weighted at query time). SQLite is safe for many reading processes, so the bot
and the dashboard can read while nothing writes this file again after publication.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ingest.document import Part
from ingest.normalize import (
    CJK_RUN,
    cjk_bigrams,
    cjk_chars,
    for_matching,
    sound_of,
    with_stems,
    words,
)

# Bump when tokenisation, the schema or how files are read into chunks and records
# changes: existing indexes are then rebuilt in full on the next ingest, because their
# stored tokens no longer match what queries produce, or their records what files now say.
INDEX_FORMAT = "14"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_key TEXT PRIMARY KEY, root TEXT NOT NULL, path TEXT NOT NULL, doc_type TEXT NOT NULL,
    title TEXT NOT NULL, hash TEXT NOT NULL, version INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL, size INTEGER NOT NULL, ingested_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, doc_key TEXT NOT NULL,
    ord INTEGER NOT NULL, section TEXT, text TEXT NOT NULL, metadata TEXT NOT NULL,
    parts TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS chunks_by_doc ON chunks(doc_key);
CREATE TABLE IF NOT EXISTS word_vectors (word TEXT PRIMARY KEY, vector BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS word_sounds (word TEXT PRIMARY KEY, sound TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS word_sounds_by_sound ON word_sounds(sound);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_fts USING fts5(
    words, bigrams, chars, tokenize = 'unicode61 remove_diacritics 0'
);
CREATE VIRTUAL TABLE IF NOT EXISTS chunks_vocab USING fts5vocab(chunks_fts, 'col');
"""


@dataclass
class DocumentRecord:
    doc_key: str
    root: str
    path: str
    doc_type: str
    title: str
    hash: str
    version: int
    chunk_count: int
    size: int
    ingested_at: str


@dataclass
class ChunkRecord:
    id: str
    doc_key: str
    ord: int
    section: str | None
    text: str
    metadata: dict[str, str] = field(default_factory=dict)
    parts: list[Part] = field(default_factory=list)

    @property
    def searchable(self) -> str:
        """The text, with the author's labels it shows under the fields' own names."""
        hidden = [p.label for p in self.parts if p.label and p.searchable != p.text]
        return "\n".join([self.text, *hidden]) if hidden else self.text

    @property
    def about(self) -> str:
        """The product the passage is about: a record's own, or the product whose page it
        is a section of ("" for other passages)."""
        return self.metadata.get("product") or self.metadata.get("subject", "")


def _chunk_record(row: tuple[str, str, int, str | None, str, str, str]) -> ChunkRecord:
    parts = [Part.from_json(p) for p in json.loads(row[6])]
    return ChunkRecord(row[0], row[1], row[2], row[3], row[4], json.loads(row[5]), parts)


@dataclass
class QueryTerms:
    words: list[str]
    bigrams: list[str]
    chars: list[str]

    @classmethod
    def of(cls, text: str) -> QueryTerms:
        norm = for_matching(text)
        return cls(words(norm), cjk_bigrams(norm), cjk_chars(norm))


def index_terms(title: str, section: str | None, text: str) -> QueryTerms:
    return QueryTerms.of(f"{title}\n{section or ''}\n{text}")


def _fts_query(terms: Iterable[str]) -> str:
    unique = dict.fromkeys(t for t in terms if t)
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in unique)


def _vocabulary_word(word: str, chinese: bool) -> bool:
    if chinese:
        return len(word) >= 2 and bool(CJK_RUN.fullmatch(word))
    return len(word) >= 3 and word.isascii() and word.isalpha()


class LexicalStore:
    def __init__(self, path: Path, readonly: bool = False) -> None:
        self.path = path
        self._readonly = readonly
        self._chunk_count: int | None = None  # a published (read-only) store never changes
        if readonly:
            self._db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
        else:
            self._db = sqlite3.connect(str(path), check_same_thread=False)
            self._db.executescript(SCHEMA)
        # An index from before parts were stored answers with parts found at read time.
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(chunks)")}
        self._parts = "parts" if "parts" in columns else "'[]'"
        self._vocabulary: dict[bool, tuple[list[str], np.ndarray]] = {}
        self._vocabulary_lock = threading.Lock()

    # -- manifest -------------------------------------------------------------
    def meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def documents(self) -> dict[str, DocumentRecord]:
        rows = self._db.execute(
            "SELECT doc_key, root, path, doc_type, title, hash, version, chunk_count, size, "
            "ingested_at FROM documents"
        ).fetchall()
        return {r[0]: DocumentRecord(*r) for r in rows}

    # -- writing --------------------------------------------------------------
    def chunk_ids(self, doc_key: str) -> list[str]:
        rows = self._db.execute("SELECT id FROM chunks WHERE doc_key = ?", (doc_key,)).fetchall()
        return [r[0] for r in rows]

    def delete_chunks(self, ids: list[str]) -> None:
        for chunk_id in ids:
            row = self._db.execute("SELECT rowid FROM chunks WHERE id = ?", (chunk_id,)).fetchone()
            if row:
                self._db.execute("DELETE FROM chunks_fts WHERE rowid = ?", (row[0],))
                self._db.execute("DELETE FROM chunks WHERE rowid = ?", (row[0],))

    def upsert_chunks(self, title: str, chunks: list[ChunkRecord]) -> None:
        for chunk in chunks:
            row = self._db.execute("SELECT rowid FROM chunks WHERE id = ?", (chunk.id,)).fetchone()
            meta = json.dumps(chunk.metadata, ensure_ascii=False)
            parts = json.dumps([p.to_json() for p in chunk.parts], ensure_ascii=False)
            if row:  # same text as before: only its place in the document may have moved
                self._db.execute(
                    "UPDATE chunks SET ord = ?, section = ?, metadata = ?, parts = ? WHERE rowid = ?",
                    (chunk.ord, chunk.section, meta, parts, row[0]),
                )
                continue
            cursor = self._db.execute(
                "INSERT INTO chunks (id, doc_key, ord, section, text, metadata, parts) VALUES (?,?,?,?,?,?,?)",
                (chunk.id, chunk.doc_key, chunk.ord, chunk.section, chunk.text, meta, parts),
            )
            terms = index_terms(title, chunk.section, chunk.searchable)
            self._db.execute(
                "INSERT INTO chunks_fts (rowid, words, bigrams, chars) VALUES (?, ?, ?, ?)",
                (cursor.lastrowid, " ".join(with_stems(terms.words)), " ".join(terms.bigrams),
                 " ".join(terms.chars)),
            )

    def missing_words(self, candidates: list[str]) -> list[str]:
        unique = list(dict.fromkeys(candidates))
        known: set[str] = set()
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT word FROM word_vectors WHERE word IN ({marks})", batch)
            known.update(r[0] for r in rows)
        return [w for w in unique if w not in known]

    def add_word_vectors(self, word_list: list[str], vectors: np.ndarray) -> None:
        """The passages' words, each with its vector (soft matching) and, for Chinese
        words, its sound (typos of a pinyin keyboard)."""
        self._db.executemany(
            "INSERT OR REPLACE INTO word_vectors VALUES (?, ?)",
            [(w, np.asarray(v, dtype=np.float16).tobytes()) for w, v in zip(word_list, vectors, strict=True)],
        )
        self._db.executemany(
            "INSERT OR REPLACE INTO word_sounds VALUES (?, ?)",
            [(w, sound) for w in word_list if (sound := sound_of(w))],
        )

    def vocabulary(self, chinese: bool) -> tuple[list[str], np.ndarray]:
        """The Chinese (or the other) words the passages use, with their vectors as
        rows: what a question's words are translated into across languages. Read once
        per published generation, which never changes."""
        with self._vocabulary_lock:
            if chinese not in self._vocabulary:
                # every word with a vector (a removed document's words too: a translation
                # into one simply finds nothing)
                rows = self._db.execute("SELECT word, vector FROM word_vectors").fetchall()
                chosen = [(word, blob) for word, blob in rows if _vocabulary_word(word, chinese)]
                matrix = (np.vstack([np.frombuffer(b, dtype=np.float16) for _, b in chosen]).astype(np.float32)
                          if chosen else np.zeros((0, 0), dtype=np.float32))
                self._vocabulary[chinese] = ([w for w, _ in chosen], matrix)
            return self._vocabulary[chinese]

    def words_sounding(self, sounds: list[str]) -> dict[str, list[str]]:
        """The knowledge base's words with each of these sounds (see normalize.sound_of)."""
        unique = list(dict.fromkeys(sounds))
        out: dict[str, list[str]] = {}
        if not unique:
            return out
        marks = ",".join("?" * len(unique))
        try:
            rows = self._db.execute(f"SELECT sound, word FROM word_sounds WHERE sound IN ({marks})", unique)
        except sqlite3.OperationalError:  # an index from before sounds were kept
            return out
        for sound, word in rows:
            out.setdefault(sound, []).append(word)
        return out

    def word_vectors(self, word_list: list[str]) -> dict[str, np.ndarray]:
        unique = list(dict.fromkeys(word_list))
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(unique), 500):
            batch = unique[start : start + 500]
            marks = ",".join("?" * len(batch))
            rows = self._db.execute(f"SELECT word, vector FROM word_vectors WHERE word IN ({marks})", batch)
            for word, blob in rows:
                out[word] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return out

    def put_document(self, record: DocumentRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO documents VALUES (?,?,?,?,?,?,?,?,?,?)",
            (record.doc_key, record.root, record.path, record.doc_type, record.title,
             record.hash, record.version, record.chunk_count, record.size, record.ingested_at),
        )

    def delete_document(self, doc_key: str) -> list[str]:
        ids = self.chunk_ids(doc_key)
        self.delete_chunks(ids)
        self._db.execute("DELETE FROM documents WHERE doc_key = ?", (doc_key,))
        return ids

    def commit(self) -> None:
        self._db.commit()

    def close(self) -> None:
        self._db.close()

    # -- reading --------------------------------------------------------------
    def search(
        self, terms: QueryTerms, k: int, weights: tuple[float, float, float]
    ) -> list[tuple[str, float]]:
        """BM25 over the token columns; higher is better. Single characters are searched
        only when words and bigrams find fewer than k passages: a common character
        matches nearly every chunk, which made that column most of the lexical cost at
        100k passages (160 of 200 ms) while a word or bigram match outranks it anyway."""
        rows = self._bm25(terms, k, weights, with_chars=False)
        if len(rows) < k:
            rows = self._bm25(terms, k, weights, with_chars=True)
        return rows

    def _bm25(
        self, terms: QueryTerms, k: int, weights: tuple[float, float, float], with_chars: bool
    ) -> list[tuple[str, float]]:
        columns = [("words", with_stems(terms.words)), ("bigrams", terms.bigrams)]
        if with_chars:
            columns.append(("chars", terms.chars))
        clauses = [f"{column} : ({query})" for column, t in columns if (query := _fts_query(t))]
        if not clauses:
            return []
        sql = (
            "SELECT c.id, -bm25(chunks_fts, ?, ?, ?) AS score FROM chunks_fts "
            "JOIN chunks c ON c.rowid = chunks_fts.rowid WHERE chunks_fts MATCH ? "
            "ORDER BY bm25(chunks_fts, ?, ?, ?) LIMIT ?"
        )
        match = " OR ".join(clauses)
        rows = self._db.execute(sql, (*weights, match, *weights, k)).fetchall()
        return [(r[0], float(r[1])) for r in rows]

    def document_frequencies(self, words: list[str], bigrams: list[str]) -> dict[str, int]:
        """How many chunks contain each query word / bigram (0 for words the knowledge
        base never uses: the strongest sign that a question is about something else)."""
        out: dict[str, int] = dict.fromkeys(list(words) + list(bigrams), 0)
        for column, terms in (("words", words), ("bigrams", bigrams)):
            unique = list(dict.fromkeys(terms))
            if not unique:
                continue
            marks = ",".join("?" * len(unique))
            rows = self._db.execute(
                f"SELECT term, doc FROM chunks_vocab WHERE col = ? AND term IN ({marks})",
                [column, *unique],
            ).fetchall()
            for term, doc in rows:
                out[term] = int(doc)
        return out

    def chunks(self, ids: list[str]) -> dict[str, tuple[ChunkRecord, DocumentRecord]]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._db.execute(
            f"SELECT c.id, c.doc_key, c.ord, c.section, c.text, c.metadata, {self._parts}, d.doc_key, d.root, "
            f"d.path, d.doc_type, d.title, d.hash, d.version, d.chunk_count, d.size, d.ingested_at "
            f"FROM chunks c JOIN documents d ON d.doc_key = c.doc_key WHERE c.id IN ({marks})",
            ids,
        ).fetchall()
        out: dict[str, tuple[ChunkRecord, DocumentRecord]] = {}
        for r in rows:
            out[r[0]] = (_chunk_record(r[:7]), DocumentRecord(*r[7:]))
        return out

    def document_chunks(self, doc_key: str) -> list[ChunkRecord]:
        rows = self._db.execute(
            f"SELECT id, doc_key, ord, section, text, metadata, {self._parts} FROM chunks WHERE doc_key = ? "
            "ORDER BY ord",
            (doc_key,),
        ).fetchall()
        return [_chunk_record(r) for r in rows]

    def product_chunks(self) -> list[tuple[ChunkRecord, DocumentRecord]]:
        """Every FAB record (chunks that carry a product name)."""
        ids = [r[0] for r in self._db.execute(
            "SELECT id FROM chunks WHERE json_extract(metadata, '$.product') IS NOT NULL"
        )]
        found = self.chunks(ids)
        return [found[i] for i in ids if i in found]

    def chunk_count(self) -> int:
        if self._chunk_count is not None:
            return self._chunk_count
        count = int(self._db.execute("SELECT count(*) FROM chunks").fetchone()[0])
        if self._readonly:
            self._chunk_count = count
        return count
