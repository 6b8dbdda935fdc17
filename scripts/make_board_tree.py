"""Build a Jetson board's sysfs tree (as laid out on the board) under a folder, for demos of `--sysfs-root`.

    python scripts/make_board_tree.py tx2 /tmp/tx2 && tocompress sensors --sysfs-root /tmp/tx2

The values in the files are illustrative, not measured; the layout is what the sources discover on a board.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fixtures.boards import make_nano_tree, make_orin_tree, make_tx2_tree, make_xavier_tree  # noqa: E402

BOARDS = {"tx2": make_tx2_tree, "nano": make_nano_tree, "xavier": make_xavier_tree, "orin": make_orin_tree}

if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in BOARDS:
        sys.exit(f"usage: make_board_tree.py {{{'|'.join(BOARDS)}}} DIR")
    print(BOARDS[sys.argv[1]](Path(sys.argv[2])))
