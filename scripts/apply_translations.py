"""Fill empty Chinese translations in the catalogs from tab-separated files.

Usage: ``python scripts/apply_translations.py FILE.tsv [...]`` after ``make i18n``. Each line holds
``msgid<TAB>Simplified<TAB>Traditional`` (``\\n`` for a newline). Only empty or fuzzy entries
are filled, so a translation already reviewed in the catalog is never overwritten; msgids the
catalogs do not contain are listed, since they point at a typo or a message no longer in the code.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

LOCALE_DIR = Path(__file__).resolve().parents[1] / "src" / "ccops" / "locale"
COLUMNS = {"zh_Hans": 1, "zh_Hant": 2}


def _unescape(text: str) -> str:
    return text.replace("\\n", "\n").replace("\\t", "\t")


def read_tsv(paths: list[Path]) -> dict[str, tuple[str, str]]:
    """Map each msgid to its (Simplified, Traditional) pair; a malformed line stops the run."""
    found: dict[str, tuple[str, str]] = {}
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split("\t")
            if len(parts) != 3 or not all(p.strip() for p in parts):
                sys.exit(f"{path}:{number}: expected msgid, zh_Hans, zh_Hant separated by tabs")
            msgid, hans, hant = (_unescape(p) for p in parts)
            found[msgid] = (hans, hant)
    return found


def apply(translations: dict[str, tuple[str, str]]) -> set[str]:
    """Write the translations into both Chinese catalogs; return the msgids no catalog has."""
    unused = set(translations)
    for language, column in COLUMNS.items():
        path = LOCALE_DIR / language / "LC_MESSAGES" / "ccops.po"
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=language.replace("_", "-").split("-")[0])
        for message in catalog:
            if not isinstance(message.id, str) or message.id not in translations:
                continue
            unused.discard(message.id)
            if not message.string or message.fuzzy:
                message.string = translations[message.id][column - 1]
                message.flags.discard("fuzzy")
        with path.open("wb") as handle:
            write_po(handle, catalog, width=76, omit_header=False)
    return unused


def main() -> None:
    """Apply the files named on the command line."""
    paths = [Path(arg) for arg in sys.argv[1:]]
    if not paths:
        sys.exit(__doc__)
    unused = apply(read_tsv(paths))
    for msgid in sorted(unused):
        print(f"not in the catalogs: {msgid!r}")


if __name__ == "__main__":
    main()
