"""The Studio notebook's paragraphs (the NN_*.sql files here) and the Zeppelin note built from them.

    python sql/flink/notebook.py            # rewrite sql/flink/accesslog.zpln from the .sql files
    python sql/flink/notebook.py --check    # exit 1 if accesslog.zpln is not what the files give

Each .sql file is one paragraph, in file-name order, and starts with two header comments:
    -- zeppelin: %flink.ssql(type=update, parallelism=1)   the paragraph's interpreter line
    -- title: ...                                         the paragraph's title
The rest of the file is the paragraph text, pasted as it is. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOTE_PATH = HERE / "accesslog.zpln"
NOTE_NAME = "accesslog/live wsi-log"


@dataclass
class Paragraph:
    path: Path
    interpreter: str  # e.g. "%flink.ssql(type=update, parallelism=1)"
    title: str
    body: str  # the SQL text after the two header lines

    @property
    def local_properties(self) -> dict[str, str]:
        m = re.fullmatch(r"%[\w.]+(?:\((.*)\))?", self.interpreter)
        if not m or not m[1]:
            return {}
        return dict(
            (k.strip(), v.strip()) for k, v in (item.split("=", 1) for item in m[1].split(","))
        )

    @property
    def statements(self) -> list[str]:
        return split_statements(self.body)


def paragraphs(directory: Path = HERE) -> list[Paragraph]:
    found = []
    for path in sorted(directory.glob("[0-9][0-9]_*.sql")):
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
        m1 = re.fullmatch(r"-- zeppelin: (%\S.*)\n", lines[0]) if lines else None
        m2 = re.fullmatch(r"-- title: (.+)\n", lines[1]) if len(lines) > 1 else None
        if not (m1 and m2):
            raise ValueError(f"{path}: must start with '-- zeppelin: %...' and '-- title: ...' lines")
        found.append(Paragraph(path, m1[1].strip(), m2[1].strip(), "".join(lines[2:]).strip("\n") + "\n"))
    return found


def split_statements(sql: str) -> list[str]:
    """Split on `;` outside string literals, quoted identifiers and comments; drop empty parts."""
    out, buf, i, n = [], [], 0, len(sql)
    while i < n:
        ch = sql[i]
        if sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            buf.append(sql[i:end])
            i = end
        elif sql.startswith("/*", i):
            end = sql.index("*/", i + 2) + 2
            buf.append(sql[i:end])
            i = end
        elif ch in ("'", "`", '"'):
            j = i + 1
            while True:
                j = sql.index(ch, j)
                if sql.startswith(ch * 2, j):  # doubled quote = escaped quote
                    j += 2
                    continue
                break
            buf.append(sql[i : j + 1])
            i = j + 1
        elif ch == ";":
            out.append("".join(buf))
            buf = []
            i += 1
        else:
            buf.append(ch)
            i += 1
    out.append("".join(buf))
    return [s.strip() for s in out if _has_code(s)]


def _has_code(stmt: str) -> bool:
    without_comments = re.sub(r"--[^\n]*", "", stmt)
    return bool(without_comments.strip())


def build_note(paras: list[Paragraph]) -> dict:
    """A Zeppelin (0.9+) note, the .zpln format Studio imports."""
    return {
        "paragraphs": [
            {
                "title": p.title,
                "text": f"{p.interpreter}\n{p.body}",
                "config": {
                    "title": True,
                    "editorHide": False,
                    "editorMode": "ace/mode/sql",
                    "editorSetting": {"language": "sql", "editOnDblClick": False, "completionSupport": True},
                },
                "settings": {"params": {}, "forms": {}},
                "apps": [],
                "runtimeInfos": {},
                "progressUpdateIntervalMs": 500,
                "id": f"paragraph_accesslog_{p.path.stem}",
                "status": "READY",
            }
            for p in paras
        ],
        "name": NOTE_NAME,
        "id": "2ACCESSLG",
        "defaultInterpreterGroup": "flink",
        "version": "0.10.0",
        "noteParams": {},
        "noteForms": {},
        "angularObjects": {},
        "config": {"isZeppelinNotebookCronEnable": False},
        "info": {},
    }


def note_text(paras: list[Paragraph]) -> str:
    return json.dumps(build_note(paras), indent=2, ensure_ascii=False) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Build the Zeppelin note from the paragraph files.")
    parser.add_argument("--check", action="store_true", help="only check that the note is up to date")
    args = parser.parse_args(argv)
    text = note_text(paragraphs())
    if args.check:
        if not NOTE_PATH.exists() or NOTE_PATH.read_text(encoding="utf-8") != text:
            print(f"{NOTE_PATH} is stale: run `python sql/flink/notebook.py` (or `make flink-note`)", file=sys.stderr)
            return 1
        return 0
    NOTE_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {NOTE_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
