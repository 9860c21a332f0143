/// How many colors the output may use.
public enum ColorMode: Sendable, Hashable {
  case none
  case ansi16
  case ansi256
}

/// Encodes buffers as ANSI text: whole frames, and the bytes that bring one frame to the next.
public enum ANSIEncoder {
  /// SGR for a style (starting from a reset).
  public static func sgr(_ style: Style, colors: ColorMode) -> String {
    var codes = ["0"]
    if style.bold { codes.append("1") }
    if style.dim { codes.append("2") }
    if style.underline { codes.append("4") }
    if style.reverse { codes.append("7") }
    if colors != .none {
      if let fg = style.fg { codes.append(fg.rawValue < 8 ? "\(30 + fg.rawValue)" : "\(90 + fg.rawValue - 8)") }
      if let bg = style.bg { codes.append(bg.rawValue < 8 ? "\(40 + bg.rawValue)" : "\(100 + bg.rawValue - 8)") }
    }
    return "\u{1b}[" + codes.joined(separator: ";") + "m"
  }

  /// The whole frame as lines with SGR styling (for `render --format ansi`).
  public static func frame(_ buffer: Buffer, colors: ColorMode) -> String {
    var out = ""
    for y in 0..<buffer.height {
      var current: Style?
      var line = ""
      var pendingBlanks = ""
      for x in 0..<buffer.width {
        let cell = buffer[x, y]
        if cell.text == " " && cell.style == .plain && (current == nil || current == .plain) {
          pendingBlanks += " "
          continue
        }
        line += pendingBlanks
        pendingBlanks = ""
        if cell.style != current {
          line += sgr(cell.style, colors: colors)
          current = cell.style
        }
        line += cell.text
      }
      if current != nil && current != .plain { line += "\u{1b}[0m" }
      out += line + "\n"
    }
    return out
  }

  /// The bytes that turn `previous` into `next` on a terminal (cursor moves + changed cells).
  public static func update(from previous: Buffer?, to next: Buffer, colors: ColorMode) -> String {
    var out = ""
    var base = previous
    if previous == nil || previous?.width != next.width || previous?.height != next.height {
      // Clear, then draw only what differs from a blank screen.
      out += "\u{1b}[0m\u{1b}[2J\u{1b}[H"
      base = Buffer(width: next.width, height: next.height)
    }
    var cursor: (x: Int, y: Int)? = nil
    var current: Style?
    for change in next.diff(from: base) where !change.cell.text.isEmpty {
      if let c = cursor, c.x == change.x, c.y == change.y {
        // Already there.
      } else {
        out += "\u{1b}[\(change.y + 1);\(change.x + 1)H"
      }
      if change.cell.style != current {
        out += sgr(change.cell.style, colors: colors)
        current = change.cell.style
      }
      out += change.cell.text
      let w = change.cell.text.first.map { Buffer.displayWidth($0) } ?? 1
      cursor = (change.x + w, change.y)
    }
    if current != nil { out += "\u{1b}[0m" }
    return out
  }
}
