"""Feeds terminal output from standard input to pyte (a real terminal emulator) on a COLS x ROWS
screen and prints the screen's text, trailing blanks trimmed: what `asciinema cat` leaves."""
import sys

import pyte


def main(cols, rows):
    screen = pyte.Screen(cols, rows)
    stream = pyte.Stream(screen)
    stream.feed(sys.stdin.buffer.read().decode("utf-8"))
    sys.stdout.write("\n".join(l.rstrip() for l in screen.display) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
