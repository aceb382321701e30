"""Wiring: settings → index reader → embedder → retriever → answerer, once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from bot.answer import Answerer
from bot.llm import make_chat_model
from bot.retrieve import Retriever
from bot.settings import Settings
from ingest.embedder import Embedder, make_embedder
from ingest.index import IndexReader


@dataclass
class Services:
    settings: Settings

    @cached_property
    def reader(self) -> IndexReader:
        return IndexReader(self.settings)

    @cached_property
    def embedder(self) -> Embedder:
        model = self.reader.embedding_model or self.settings.embedding_model
        return make_embedder(model, self.settings.embedding_batch_size)

    @cached_property
    def retriever(self) -> Retriever:
        return Retriever(self.settings, self.reader, self.embedder)

    @cached_property
    def answerer(self) -> Answerer:
        return Answerer(self.settings, self.retriever, make_chat_model(self.settings))
