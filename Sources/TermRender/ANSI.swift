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
  ///
  /// Between two changes on one row the cheaper of a cursor move and rewriting the unchanged
  /// cells in between is used (as a recording stores it: ESC costs six bytes in JSON), so a
  /// cast stays close to the bytes of the cells that changed.
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
    func put(_ cell: Cell) {
      if cell.style != current {
        out += sgr(cell.style, colors: colors)
        current = cell.style
      }
      out += cell.text
    }
    for change in next.diff(from: base) where !change.cell.text.isEmpty {
      if let c = cursor, c.y == change.y, c.x <= change.x {
        let gap = change.x - c.x
        if gap > 0 {
          let move = "\u{1b}[\(gap)C"
          if rewriteFits(next, y: c.y, from: c.x, to: change.x, style: current, colors: colors, within: recordedLength(move)) {
            for x in c.x..<change.x { put(next[x, c.y]) }
          } else {
            out += move
          }
        }
      } else if let c = cursor, c.y == change.y {
        out += "\u{1b}[\(change.x + 1)G"
      } else {
        out += "\u{1b}[\(change.y + 1);\(change.x + 1)H"
      }
      put(change.cell)
      let w = change.cell.text.first.map { Buffer.displayWidth($0) } ?? 1
      cursor = (change.x + w, change.y)
    }
    if current != nil { out += "\u{1b}[0m" }
    return out
  }

  /// Whether rewriting the unchanged cells `from..<to` of a row costs at most `limit` bytes in a
  /// recording (every cell must be one narrow character).
  static func rewriteFits(_ b: Buffer, y: Int, from: Int, to: Int, style: Style?, colors: ColorMode, within limit: Int) -> Bool {
    var cost = 0
    var current = style
    for x in from..<to {
      let cell = b[x, y]
      guard let ch = cell.text.first, cell.text.count == 1, Buffer.displayWidth(ch) == 1 else { return false }
      if cell.style != current {
        cost += recordedLength(sgr(cell.style, colors: colors))
        current = cell.style
      }
      cost += cell.text.utf8.count
      if cost > limit { return false }
    }
    return true
  }

  /// Bytes a string takes in an asciicast's JSON (ESC and other controls as `\u00XX`).
  static func recordedLength(_ s: String) -> Int {
    s.utf8.reduce(0) { $0 + ($1 < 0x20 ? 6 : 1) }
  }
}
