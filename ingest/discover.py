"""Find the files to ingest under the paths a user names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ingest.loaders import kind_of, unsupported
from ingest.reasons import too_large

DEFAULT_MAX_BYTES = 50_000_000  # files and downloads alike (`docqa ingest --max-mb`)
SHIPPED_CORPUS = Path(__file__).resolve().parent.parent / "corpus"  # the article docqa ships with


def default_corpus() -> Path:
    """`corpus/` in the working directory if there is one, else the corpus shipped with docqa."""
    here = Path("corpus")
    return here if here.is_dir() else SHIPPED_CORPUS


@dataclass
class Found:
    files: list[Path] = field(default_factory=list)
    roots: list[Path] = field(default_factory=list)  # directories scanned: their missing files are deletions
    skipped: dict[str, str] = field(default_factory=dict)


def discover(paths: list[Path], max_bytes: int) -> Found:
    """Supported files under `paths`, sorted; others reported with the reason."""
    found = Found()
    for path in paths:
        if path.is_dir():
            root = path.resolve()
            found.roots.append(root)
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    # .toml files are metadata (NAME.meta.toml sidecars, related.toml), not documents
                    if not name.startswith(".") and not name.lower().endswith(".toml"):
                        _consider(Path(dirpath) / name, found, max_bytes, root)
        elif path.exists() or path.is_symlink():
            _consider(path.absolute(), found, max_bytes, None)
        else:
            found.skipped[str(path)] = "no such file or directory"
    return found


def _consider(path: Path, found: Found, max_bytes: int, root: Path | None) -> None:
    key = str(path.resolve()) if not path.is_symlink() else str(path)
    if kind_of(path) is None:
        found.skipped[key] = unsupported(path)
        return
    if path.is_symlink():
        target = path.resolve()
        if root is not None and not target.is_relative_to(root):
            found.skipped[key] = f"symlink to {target}, outside {root}"
            return
        if not target.is_file():
            found.skipped[key] = "broken symlink"
            return
    try:
        size = path.stat().st_size
    except OSError as exc:
        found.skipped[key] = f"cannot read: {exc.strerror}"
        return
    if size > max_bytes:
        found.skipped[key] = too_large(size, max_bytes)
        return
    found.files.append(path)
