"""Edges of the chosen text that are not the article, beyond the named line rules.

- **Rule forms** (`rule_forms`): the boilerplate rules are written in simplified Chinese; a
  traditional-script page (Taiwan, Hong Kong) writes the same words in other characters
  (`責任編輯`, `未經授權，不得轉載`), so each line is matched in its OpenCC t2s form, with the
  bars of a layout-table row (`|  編輯：王陽  |`) taken off. The text keeps its own script.
- **Layout-table rows** (`drop_table_edges`): a page laid out with tables renders its header
  and footer cells as rows (`| 國際 | 字型： |  |`, `|---|---|`): rows at the top or bottom
  of the text whose cells are all short and hold no sentence are dropped. A table inside
  the body (figures, prices) is not at an edge and stays.
- **Menu lists at the top** (`drop_menu_top`): two or more short list items (`- 總覽`,
  `- 即時新聞：`) before the first line of the body: a section menu kept above the story.
"""

from __future__ import annotations

import re
from collections import Counter

from cleaning.script import opencc_converter

_HAN = re.compile(r"[\u3400-\u9fff]")
_TABLE_BARS = re.compile(r"^[|\s]+|[|\s]+$")
_SENTENCE = re.compile(r"[。！？!?；;，,]")
# a cell of a header or footer row: a label, a menu entry, a widget
TABLE_CELL_CHARS = 12
# a menu entry: a list bullet and a few words, no sentence
_MENU_ITEM = re.compile(r"^[-•·]\s*\S.{0,10}$")
MIN_MENU_ITEMS = 2


def rule_forms(lines: list[str]) -> list[str]:
    """Each line as the line rules see it: simplified script, table bars off."""
    forms = lines
    if any(_HAN.search(line) for line in lines):
        converter = opencc_converter("t2s")
        forms = converter.convert("\n".join(lines)).split("\n")
        if len(forms) != len(lines):  # OpenCC kept line breaks on every text tried; be safe
            forms = [converter.convert(line) for line in lines]
    return [_TABLE_BARS.sub("", form) if form.startswith("|") else form for form in forms]


def is_header_row(line: str) -> bool:
    """A layout-table row of two or more cells, all short and none a sentence."""
    if not line.startswith("|"):
        return False
    cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
    return len(cells) >= 2 and all(
        len(cell) <= TABLE_CELL_CHARS and not _SENTENCE.search(cell) for cell in cells
    )


def drop_table_edges(lines: list[str], removed: Counter[str]) -> list[str]:
    """Header and footer rows of a layout table at the top and the bottom of the text."""
    start = 0
    while start < len(lines) and is_header_row(lines[start]):
        start += 1
    end = len(lines)
    while end > start and is_header_row(lines[end - 1]):
        end -= 1
    if end <= start or (start == 0 and end == len(lines)):
        return lines
    removed["table-edge"] += start + len(lines) - end
    return lines[start:end]


def drop_menu_top(lines: list[str], removed: Counter[str]) -> list[str]:
    """A run of short list items above the body: a section menu."""
    count = 0
    while (
        count < len(lines) and _MENU_ITEM.match(lines[count]) and not _SENTENCE.search(lines[count])
    ):
        count += 1
    if count < MIN_MENU_ITEMS or count == len(lines):
        return lines
    removed["menu-top"] += count
    return lines[count:]
