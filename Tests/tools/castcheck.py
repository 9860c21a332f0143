"""Replays an asciicast through pyte (a real terminal emulator) and prints, as JSON, the screen
text at every "step K: ..." marker: {"K": "line\\nline\\n..."} with trailing blanks trimmed."""
import json
import sys

import pyte


def main(path):
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
    for line in lines[1:]:
        _, code, data = json.loads(line)
        if code == "o":
            stream.feed(data)
        elif code == "r":
            cols, rows = data.split("x")
            screen.resize(int(rows), int(cols))
        elif code == "m" and data.startswith("step "):
            k = int(data.split(":")[0].split()[1])
            frames[k] = "\n".join(l.rstrip() for l in screen.display) + "\n"
    print(json.dumps(frames))


if __name__ == "__main__":
    main(sys.argv[1])
