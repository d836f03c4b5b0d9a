"""Sentence chunking within a token budget of the embedding model's own tokenizer.

A document's text is cut into paragraphs (blank lines), then sentences (spaCy's rule-based
sentencizer), and consecutive sentences are packed into chunks of at most ``max_tokens``
tokens as the embedding model counts them, its [CLS] and [SEP] included. The last sentences of
a chunk, up to ``overlap_tokens`` tokens, are repeated at the start of the next. A sentence
longer than the budget on its own is cut at token boundaries. Every chunk is checked against
the budget once more with the tokenizer before it is returned, so no chunk is ever truncated
by the model.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path

from tokenizers import Tokenizer

_PARAGRAPHS = re.compile(r"\n\s*\n")
_SPACES = re.compile(r"[ \t\r\f\v]+")


def load_tokenizer(model_dir: Path) -> Tokenizer:
    path = Path(model_dir) / "tokenizer.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: the embedding model folder needs its tokenizer.json")
    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    return tokenizer


class Chunker:
    def __init__(self, tokenizer: Tokenizer, max_tokens: int, overlap_tokens: int, special_tokens: int = 2):
        if max_tokens - special_tokens < 8:
            raise ValueError("max_tokens leaves no room for text")
        if overlap_tokens >= (max_tokens - special_tokens) // 2:
            raise ValueError("overlap_tokens must be under half of the budget")
        self.tokenizer = tokenizer
        self.max_tokens = max_tokens
        self.budget = max_tokens - special_tokens  # tokens of text per chunk
        self.overlap = overlap_tokens

    @cached_property
    def _nlp(self):
        import spacy

        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        nlp.max_length = 10_000_000
        return nlp

    def count(self, text: str) -> int:
        """Tokens the embedding model sees for ``text``, special tokens included."""
        return len(self.tokenizer.encode(text, add_special_tokens=True).ids)

    def sentences(self, text: str) -> list[str]:
        out: list[str] = []
        for paragraph in _PARAGRAPHS.split(text):
            paragraph = _SPACES.sub(" ", paragraph).strip()
            if not paragraph:
                continue
            out.extend(s.text.strip() for s in self._nlp(paragraph).sents if s.text.strip())
        return out

    def _pieces(self, sentence: str, n_tokens: int) -> list[tuple[str, int]]:
        """A sentence as (text, tokens) pieces, each within the budget."""
        if n_tokens <= self.budget:
            return [(sentence, n_tokens)]
        encoding = self.tokenizer.encode(sentence, add_special_tokens=False)
        offsets, words = encoding.offsets, encoding.word_ids
        pieces = []
        start = 0
        while start < len(offsets):
            end = min(start + self.budget, len(offsets))
            # end the piece on a word boundary when the word fits in a piece at all
            back = end
            while back < len(offsets) and back > start and words[back] is not None and words[back] == words[back - 1]:
                back -= 1
            end = back if back > start else end
            piece = sentence[offsets[start][0] : offsets[end - 1][1]].strip()
            if piece:
                pieces.append((piece, end - start))
            start = end
        return pieces

    def chunk(self, text: str) -> list[str]:
        sentences = self.sentences(text)
        if not sentences:
            return []
        counts = [len(e.ids) for e in self.tokenizer.encode_batch(sentences, add_special_tokens=False)]
        units: list[tuple[str, int]] = []
        for sentence, n in zip(sentences, counts, strict=True):
            units.extend(self._pieces(sentence, n))

        chunks: list[str] = []
        current: list[tuple[str, int]] = []
        size = 0
        for unit in units:
            if current and size + unit[1] > self.budget:
                chunks.append(" ".join(t for t, _ in current))
                # carry the trailing sentences, up to the overlap budget, into the next chunk
                carried: list[tuple[str, int]] = []
                carried_size = 0
                for prev in reversed(current):
                    if carried_size + prev[1] > self.overlap or carried_size + prev[1] + unit[1] > self.budget:
                        break
                    carried.insert(0, prev)
                    carried_size += prev[1]
                current, size = carried, carried_size
            current.append(unit)
            size += unit[1]
        if current:
            chunks.append(" ".join(t for t, _ in current))
        return [c for part in chunks for c in self._enforce(part)]

    def _enforce(self, chunk: str) -> list[str]:
        """Joining sentences can change a count by a token or so: re-count and cut if needed."""
        if self.count(chunk) <= self.max_tokens:
            return [chunk]
        encoding = self.tokenizer.encode(chunk, add_special_tokens=False)
        half = len(encoding.offsets) // 2
        cut = encoding.offsets[half][0]
        return [*self._enforce(chunk[:cut].strip()), *self._enforce(chunk[cut:].strip())]
