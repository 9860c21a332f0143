"""Replays an asciicast through pyte (a real terminal emulator) and prints, as JSON, the screen
text at every "step K: ..." marker: {"K": "line\\nline\\n..."} with trailing blanks trimmed, and
at every micro-step marker "step K.M: ..." (a cast recorded with --micro) under "K.M".

With `--styles DIR` (the `record --frames` output of the same scene and size) it also checks the
styles: at every marker each cell's colors, bold, reverse and underline must be those pyte shows
for DIR/step-KKK.ansi drawn on a blank screen; a difference is printed and the exit status is 1."""
import json
import os
import sys

import pyte


def styles(screen):
    """Each cell's style, row by row (text is compared separately)."""
    rows = []
    for y in range(screen.lines):
        line = screen.buffer[y]
        rows.append([(c.fg, c.bg, c.bold, c.reverse, c.underscore) for c in (line[x] for x in range(screen.columns))])
    return rows


def frame_styles(path, width, height):
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # One line per row: the newline after the last row would scroll the screen.
    stream.feed(text.removesuffix("\n").replace("\n", "\r\n"))
    return styles(screen)


def main(path, style_dir=None):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    header = json.loads(lines[0])
    if header.get("version") == 3:
        width, height = header["term"]["cols"], header["term"]["rows"]
    else:
        width, height = header["width"], header["height"]
    screen = pyte.Screen(width, height)
    stream = pyte.Stream(screen)
    frames = {}
    bad = 0
    for line in lines[1:]:
        _, code, data = json.loads(line)
        if code == "o":
            stream.feed(data)
        elif code == "r":
            cols, rows = data.split("x")
            screen.resize(int(rows), int(cols))
        elif code == "m" and data.startswith("step "):
            key = data.split(":")[0].split()[1]
            frames[key] = "\n".join(l.rstrip() for l in screen.display) + "\n"
            if style_dir is not None and "." not in key:
                k = int(key)
                expected = frame_styles(os.path.join(style_dir, "step-%03d.ansi" % k), width, height)
                actual = styles(screen)
                for y in range(height):
                    for x in range(width):
                        if expected[y][x] != actual[y][x] and bad < 10:
                            print("step %d, row %d, column %d: cast %s, frame %s" % (k, y, x, actual[y][x], expected[y][x]), file=sys.stderr)
                            bad += 1
    print(json.dumps(frames))
    return 1 if bad else 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[2] == "--styles":
        sys.exit(main(sys.argv[1], sys.argv[3]))
    sys.exit(main(sys.argv[1]))
