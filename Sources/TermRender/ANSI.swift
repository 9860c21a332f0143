/// How many colors the output may use (what each sends: `TerminalStyle`).
public enum ColorMode: Sendable, Hashable {
  /// No colour (NO_COLOR, `--color never`): attributes only.
  case none
  /// The 8 or 16 system colours; dim text is faint.
  case ansi16
  /// 256 colours: dim text is ``XtermPalette/dimGrey`` rather than faint.
  case ansi256
}

/// Encodes buffers as ANSI text: whole frames, and the bytes that bring one frame to the next.
public enum ANSIEncoder {
  /// SGR for a style (starting from a reset).
  public static func sgr(_ style: Style, colors: ColorMode) -> String {
    sgr(TerminalStyle(style, colors: colors))
  }

  /// SGR for what a terminal is sent (starting from a reset).
  static func sgr(_ t: TerminalStyle) -> String {
    var codes = ["0"]
    if t.bold { codes.append("1") }
    if t.faint { codes.append("2") }
    if t.underline { codes.append("4") }
    if t.reverse { codes.append("7") }
    if let fg = t.fg { codes.append(foregroundCode(fg)) }
    if let bg = t.bg { codes.append(backgroundCode(bg)) }
    return "\u{1b}[" + codes.joined(separator: ";") + "m"
  }

  /// SGR parameter of a foreground colour: 30-37, bright 90-97, else `38;5;n`.
  static func foregroundCode(_ n: Int) -> String { n < 8 ? "\(30 + n)" : n < 16 ? "\(90 + n - 8)" : "38;5;\(n)" }

  /// SGR parameter of a background colour: 40-47, bright 100-107, else `48;5;n`.
  static func backgroundCode(_ n: Int) -> String { n < 8 ? "\(40 + n)" : n < 16 ? "\(100 + n - 8)" : "48;5;\(n)" }

  /// A cursor move by `n` (CUU `A`, CUD `B`, CUF `C`, CUB `D`); the count is left out when 1.
  static func move(_ n: Int, _ final: Character) -> String { "\u{1b}[" + (n == 1 ? "" : "\(n)") + String(final) }

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

  /// The shortest SGR that turns style `a` into style `b`: only the attributes that change
  /// (`22`, `24`, `27`, `39`, `49` turn one off), or a reset and the whole style when that is
  /// shorter; empty when nothing visible changes.
  public static func transition(from a: Style, to b: Style, colors: ColorMode) -> String {
    if a == b { return "" }
    return transition(from: TerminalStyle(a, colors: colors), to: TerminalStyle(b, colors: colors))
  }

  /// The shortest SGR that turns what the terminal was sent for one style into another's.
  static func transition(from a: TerminalStyle, to b: TerminalStyle) -> String {
    if a == b { return "" }
    let full = b.isPlain ? "\u{1b}[m" : sgr(b)
    var codes: [String] = []
    if (a.bold && !b.bold) || (a.faint && !b.faint) {
      codes.append("22")
      if b.bold { codes.append("1") }
      if b.faint { codes.append("2") }
    } else {
      if b.bold && !a.bold { codes.append("1") }
      if b.faint && !a.faint { codes.append("2") }
    }
    if a.underline != b.underline { codes.append(b.underline ? "4" : "24") }
    if a.reverse != b.reverse { codes.append(b.reverse ? "7" : "27") }
    if a.fg != b.fg { codes.append(b.fg.map(foregroundCode) ?? "39") }
    if a.bg != b.bg { codes.append(b.bg.map(backgroundCode) ?? "49") }
    let delta = "\u{1b}[" + codes.joined(separator: ";") + "m"
    return delta.utf8.count < full.utf8.count ? delta : full
  }

  /// The bytes that turn `previous` into `next` on a terminal (cursor moves + changed cells).
  ///
  /// Made to be recorded (ESC costs six bytes in an asciicast's JSON, CR two): each change is
  /// reached by the cheapest of an absolute move, relative moves (up/down, CR, forward, back) and
  /// rewriting the unchanged cells in between, and styles change by the shortest SGR, so a cast
  /// stays close to the bytes of the cells that changed. Starts and ends in the default style.
  public static func update(from previous: Buffer?, to next: Buffer, colors: ColorMode) -> String {
    var out = ""
    var base = previous
    // Where the terminal's cursor is, when known (a previous update may have left it anywhere).
    var cursor: (x: Int, y: Int)? = nil
    if previous == nil || previous?.width != next.width || previous?.height != next.height {
      // Clear, then draw only what differs from a blank screen.
      out += "\u{1b}[0m\u{1b}[2J\u{1b}[H"
      base = Buffer(width: next.width, height: next.height)
      cursor = (0, 0)
    }
    var current = Style.plain
    func put(_ cell: Cell) {
      out += transition(from: current, to: cell.style, colors: colors)
      current = cell.style
      out += cell.text
    }
    for change in next.diff(from: base) where !change.cell.text.isEmpty {
      let alreadyThere = cursor.map { $0.x == change.x && $0.y == change.y } ?? false
      if !alreadyThere {
        let absolute = "\u{1b}[\(change.y + 1);\(change.x + 1)H"
        var best: (cost: Int, plan: Move) = (recordedLength(absolute), .absolute(absolute))
        if let c = cursor {
          let dy = change.y - c.y
          let vertical = dy == 0 ? "" : move(abs(dy), dy > 0 ? "B" : "A")
          let v = recordedLength(vertical)
          // After the last column the cursor waits to wrap: only CR moves it predictably.
          if c.x < next.width {
            if change.x > c.x {
              let forward = move(change.x - c.x, "C")
              let f = v + recordedLength(forward)
              if f < best.cost { best = (f, .relative(vertical, "", forward)) }
              if let r = rewriteCost(
                next, y: change.y, from: c.x, to: change.x, style: current, colors: colors, within: best.cost - v - 1)
              {
                best = (v + r, .rewrite(vertical, cr: false, from: c.x))
              }
            } else if change.x < c.x {
              let back = move(c.x - change.x, "D")
              let b = v + recordedLength(back)
              if b < best.cost { best = (b, .relative(vertical, "", back)) }
            } else if v < best.cost {
              best = (v, .relative(vertical, "", ""))
            }
          }
          let cr = v + recordedLength("\r")
          if change.x == 0 {
            if cr < best.cost { best = (cr, .relative(vertical, "\r", "")) }
          } else {
            let forward = move(change.x, "C")
            let f = cr + recordedLength(forward)
            if f < best.cost { best = (f, .relative(vertical, "\r", forward)) }
            if cr < best.cost,
              let r = rewriteCost(
                next, y: change.y, from: 0, to: change.x, style: current, colors: colors, within: best.cost - cr - 1)
            {
              best = (cr + r, .rewrite(vertical, cr: true, from: 0))
            }
          }
        }
        switch best.plan {
        case .absolute(let move): out += move
        case .relative(let vertical, let cr, let horizontal): out += vertical + cr + horizontal
        case .rewrite(let vertical, let cr, let from):
          out += vertical + (cr ? "\r" : "")
          for x in from..<change.x { put(next[x, change.y]) }
        }
      }
      put(change.cell)
      let w = change.cell.text.first.map { Buffer.displayWidth($0) } ?? 1
      cursor = (change.x + w, change.y)
    }
    if current != .plain { out += "\u{1b}[m" }
    return out
  }

  /// How the cursor gets to the next change.
  private enum Move {
    case absolute(String)
    /// A vertical move, maybe CR, then a horizontal move.
    case relative(String, String, String)
    /// A vertical move, maybe CR, then the unchanged cells from `from` rewritten.
    case rewrite(String, cr: Bool, from: Int)
  }

  /// What rewriting the unchanged cells `from..<to` of a row costs in a recording, if every cell
  /// is one narrow character and the cost is at most `limit`.
  static func rewriteCost(_ b: Buffer, y: Int, from: Int, to: Int, style: Style, colors: ColorMode, within limit: Int)
    -> Int?
  {
    var cost = 0
    var current = style
    for x in from..<to {
      let cell = b[x, y]
      guard let ch = cell.text.first, cell.text.count == 1, Buffer.displayWidth(ch) == 1 else { return nil }
      cost += recordedLength(transition(from: current, to: cell.style, colors: colors))
      current = cell.style
      cost += cell.text.utf8.count
      if cost > limit { return nil }
    }
    return cost
  }

  /// Bytes a string takes in an asciicast's JSON (as `JSON.quote` writes it: LF, CR and TAB as
  /// `\n`, `\r`, `\t`; ESC and other controls as `\u00XX`).
  static func recordedLength(_ s: String) -> Int {
    s.utf8.reduce(0) { total, byte in
      switch byte {
      case 0x0a, 0x0d, 0x09: total + 2
      case ..<0x20: total + 6
      default: total + 1
      }
    }
  }
}
