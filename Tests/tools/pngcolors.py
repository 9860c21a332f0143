"""Prints a PNG's size, its number of distinct colours (up to 1000) and its top-left pixel, as
JSON: {"width": W, "height": H, "colors": N, "corner": [r, g, b]}. Standard library only (zlib):
8-bit RGB or RGBA, non-interlaced, as Chromium's --screenshot writes."""
import json
import struct
import sys
import zlib


def pixels(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat = 8, b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and color in (2, 6) and interlace == 0, "unsupported PNG"
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    bpp = 3 if color == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, bpp, rows


def main(path):
    width, height, bpp, rows = pixels(path)
    colors = set()
    for line in rows[::4]:
        for x in range(0, width * bpp, bpp * 4):
            colors.add(bytes(line[x:x + 3]))
        if len(colors) >= 1000:
            break
    print(json.dumps({"width": width, "height": height, "colors": len(colors), "corner": list(rows[0][:3])}))


if __name__ == "__main__":
    main(sys.argv[1])
