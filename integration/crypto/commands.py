"""flask encryption-key, rotate-keys, reindex-search (README, Keys)."""
from __future__ import annotations

import click
from flask import Flask

from .keys import new_key_text
from .rotate import reindex, rotate


def register(app: Flask) -> None:
    for command in (encryption_key, rotate_keys, reindex_search):
        app.cli.add_command(command)


@click.command("encryption-key")
def encryption_key():
    """Print a new random key (for ENCRYPTION_KEYS or SEARCH_INDEX_KEY); nothing is stored."""
    click.echo(new_key_text())


@click.command("rotate-keys")
@click.option("--batch", default=500, show_default=True, help="Rows re-encrypted per transaction.")
def rotate_keys(batch):
    """Re-encrypt everything under the first of ENCRYPTION_KEYS. Safe to stop and run again."""
    count = rotate(click.echo, batch=batch)
    click.echo(f"Done: {count} values re-encrypted. Every value is now under the first key; "
               "the keys after it can be removed.")


@click.command("reindex-search")
@click.option("--batch", default=2000, show_default=True, help="Notes or insights indexed per transaction.")
def reindex_search(batch):
    """Rebuild the search index with SEARCH_INDEX_KEY (after changing it). Safe to stop and run again."""
    notes, insights = reindex(click.echo, batch=batch)
    click.echo(f"Done: {notes} notes and {insights} insights indexed with the current search key.")
