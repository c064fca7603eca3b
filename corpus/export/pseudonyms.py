"""Pseudonymised author names: a keyed hash (HMAC-SHA256) in place of each name.

The same name under the same key always gives the same pseudonym, so a researcher can still
count what one commenter wrote across articles, but without the key nobody can test a guessed
name against the export. The key never goes into the export: it comes from
`--pseudonymize-key` / DEBTCORPUS_PSEUDONYM_KEY, or is generated and written to a file beside
the export folder (`OUT.pseudonym-key`), which is reused by later exports to the same folder.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from corpus.errors import ConfigError
from corpus.export.rows import Row, RowBatch

KEY_ENV = "DEBTCORPUS_PSEUDONYM_KEY"
KEY_FILE_SUFFIX = ".pseudonym-key"
MIN_KEY_CHARS = 16
PREFIX = "anon-"
# 16 hex digits (64 bits) of the HMAC: no collision is to be expected below ~10^8 names.
DIGEST_CHARS = 16
COMMENT_COLUMNS = ("author",)
ARTICLE_COLUMNS = ("author", "editor", "byline")
METHOD = (
    f"HMAC-SHA256 of the name (UTF-8, surrounding spaces stripped) under a secret key, "
    f"written `{PREFIX}` + the first {DIGEST_CHARS} hex digits; the key is not in the export"
)


def key_file_for(out_dir: Path) -> Path:
    """Where a generated key is kept: beside the export folder, never inside it."""
    return out_dir.parent / f"{out_dir.name}{KEY_FILE_SUFFIX}"


@dataclass(frozen=True)
class PseudonymSettings:
    """What to pseudonymise and with which key; `key_source` says where the key came from."""

    key: bytes = field(repr=False)
    articles: bool = False
    key_source: str = f"--pseudonymize-key or {KEY_ENV}"
    generated_key_file: Path | None = None

    def columns(self) -> list[str]:
        names = [f"comments.{column}" for column in COMMENT_COLUMNS]
        if self.articles:
            names += [f"articles.{column}" for column in ARTICLE_COLUMNS]
        return names

    def pseudonym(self, name: str | None) -> str | None:
        if name is None or not name.strip():
            return name
        digest = hmac.new(self.key, name.strip().encode("utf-8"), hashlib.sha256).hexdigest()
        return PREFIX + digest[:DIGEST_CHARS]

    def rewrite(self, row: Row, columns: tuple[str, ...]) -> Row:
        return {**row, **{column: self.pseudonym(row[column]) for column in columns}}

    def apply(self, batch: RowBatch) -> RowBatch:
        comments = {
            article_id: [self.rewrite(row, COMMENT_COLUMNS) for row in rows]
            for article_id, rows in batch.comments.items()
        }
        articles = batch.articles
        if self.articles:
            articles = [self.rewrite(row, ARTICLE_COLUMNS) for row in articles]
        return replace(batch, articles=articles, comments=comments)

    def describe(self) -> dict[str, Any]:
        """For the manifest and the card: what was replaced and how; never the key."""
        return {"columns": self.columns(), "method": METHOD, "key": self.key_source}

    def save_generated_key(self) -> None:
        """Write a generated key to its file (owner-only), once the export is in place."""
        path = self.generated_key_file
        if path is None or path.exists():
            return
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(self.key.decode("utf-8") + "\n")


def checked_key(text: str, where: str) -> bytes:
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise ConfigError(
            f"the pseudonym key from {where} has {len(key)} characters; use at least "
            f"{MIN_KEY_CHARS} (e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`)"
        )
    return key.encode("utf-8")


def pseudonym_settings(out_dir: Path, key_text: str | None, articles: bool) -> PseudonymSettings:
    """The key from the option (or environment), else the key file beside OUT, else a new one."""
    if key_text is not None:
        return PseudonymSettings(checked_key(key_text, f"--pseudonymize-key/{KEY_ENV}"), articles)
    path = key_file_for(out_dir)
    # the same words whether the key was made now or by an earlier export: files stay identical
    source = f"in {path.name} beside the export folder, made by the first export to it"
    if path.is_file():
        key = checked_key(path.read_text("utf-8"), str(path))
        return PseudonymSettings(key, articles, key_source=source)
    generated = secrets.token_hex(32).encode("utf-8")
    return PseudonymSettings(generated, articles, key_source=source, generated_key_file=path)
