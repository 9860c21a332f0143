/// One of the 16 terminal colors.
public enum Color: Int, Sendable, Hashable, CaseIterable {
  case black = 0, red, green, yellow, blue, magenta, cyan, white
  case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite
}

/// How a cell looks. Meaning is never carried by color alone: glyphs and bold/reverse carry it too.
public struct Style: Sendable, Hashable {
  public var fg: Color?
  public var bg: Color?
  public var bold = false
  public var dim = false
  public var reverse = false
  public var underline = false

  public init(
    fg: Color? = nil, bg: Color? = nil, bold: Bool = false, dim: Bool = false, reverse: Bool = false,
    underline: Bool = false
  ) {
    self.fg = fg
    self.bg = bg
    self.bold = bold
    self.dim = dim
    self.reverse = reverse
    self.underline = underline
  }

  public static let plain = Style()

  /// The style with colors removed (for NO_COLOR and `--color never`).
  public var withoutColor: Style {
    var s = self
    s.fg = nil
    s.bg = nil
    return s
  }
}

/// One terminal cell: a grapheme (empty for the second half of a wide character) and a style.
public struct Cell: Sendable, Hashable {
  public var text: String
  public var style: Style

  public init(_ text: String = " ", _ style: Style = .plain) {
    self.text = text
    self.style = style
  }
}

/// A rectangle of cells.
public struct Rect: Sendable, Hashable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int

  public init(x: Int, y: Int, width: Int, height: Int) {
    self.x = x
    self.y = y
    self.width = max(0, width)
    self.height = max(0, height)
  }

  public var maxX: Int { x + width }
  public var maxY: Int { y + height }
  /// The rectangle shrunk by `n` on every side.
  public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, width: width - 2 * n, height: height - 2 * n) }
}

/// A changed cell, for backends that draw differences.
public struct CellChange: Sendable, Hashable {
  public var x: Int
  public var y: Int
  public var cell: Cell
}

/// The one drawing surface: every view renders into a `Buffer`; the ncurses backend, text and ANSI
/// frames, recordings and exports all read it.
public struct Buffer: Sendable, Hashable {
  public private(set) var width: Int
  public private(set) var height: Int
  public private(set) var cells: [Cell]

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    cells = Array(repeating: Cell(), count: self.width * self.height)
  }

  public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

  public subscript(x: Int, y: Int) -> Cell {
    get { cells[y * width + x] }
    set {
      guard x >= 0, y >= 0, x < width, y < height else { return }
      cells[y * width + x] = newValue
    }
  }

  /// Writes text at (x, y), clipped to `maxX` (default: the buffer's width). Control characters
  /// are shown escaped. Returns the column after the last cell written.
  @discardableResult
  public mutating func put(_ text: String, x: Int, y: Int, style: Style = .plain, maxX: Int? = nil) -> Int {
    guard y >= 0, y < height else { return x }
    let limit = min(maxX ?? width, width)
    var col = x
    for ch in Buffer.safe(text) {
      let w = Buffer.displayWidth(ch)
      if col + w > limit { break }
      if col >= 0 {
        self[col, y] = Cell(String(ch), style)
        if w == 2 { self[col + 1, y] = Cell("", style) }
      }
      col += w
    }
    return col
  }

  /// Sets the style of a rectangle's cells, keeping their text.
  public mutating func style(_ rect: Rect, _ transform: (inout Style) -> Void) {
    for y in max(0, rect.y)..<min(height, rect.maxY) {
      for x in max(0, rect.x)..<min(width, rect.maxX) {
        transform(&cells[y * width + x].style)
      }
    }
  }

  /// Fills a rectangle with blanks of a style.
  public mutating func fill(_ rect: Rect, style: Style = .plain) {
    for y in max(0, rect.y)..<min(height, rect.maxY) {
      for x in max(0, rect.x)..<min(width, rect.maxX) { cells[y * width + x] = Cell(" ", style) }
    }
  }

  /// The cells that differ from `previous` (all of them when the size changed).
  public func diff(from previous: Buffer?) -> [CellChange] {
    var changes: [CellChange] = []
    guard let previous, previous.width == width, previous.height == height else {
      for y in 0..<height { for x in 0..<width { changes.append(CellChange(x: x, y: y, cell: self[x, y])) } }
      return changes
    }
    for i in cells.indices where cells[i] != previous.cells[i] {
      changes.append(CellChange(x: i % width, y: i / width, cell: cells[i]))
    }
    return changes
  }

  /// The frame as plain text, one line per row, trailing blanks trimmed.
  public var plainText: String {
    var lines: [String] = []
    for y in 0..<height {
      var line = ""
      for x in 0..<width { line += self[x, y].text }
      while line.last == " " { line.removeLast() }
      lines.append(line)
    }
    return lines.joined(separator: "\n") + "\n"
  }

  /// Escapes control and bidi characters so scene text can never drive the terminal.
  static func safe(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
      let v = scalar.value
      if v < 0x20 || v == 0x7F || (v >= 0x80 && v < 0xA0) {
        out += v == 0x1B ? "\\e" : v == 0x0A ? "\\n" : "\\x" + String(v, radix: 16)
      } else if v == 0x200E || v == 0x200F || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        || v == 0x061C
      {
        out += "\\u{" + String(v, radix: 16) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Columns a grapheme takes: 2 for East Asian wide and emoji, 0 never (combining marks stay
  /// with their base character), else 1.
  public static func displayWidth(_ ch: Character) -> Int {
    guard let v = ch.unicodeScalars.first?.value else { return 1 }
    switch v {
    case 0x1100...0x115F, 0x2E80...0x303E, 0x3041...0x33FF, 0x3400...0x4DBF, 0x4E00...0x9FFF,
      0xA000...0xA4CF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFE30...0xFE4F, 0xFF00...0xFF60,
      0xFFE0...0xFFE6, 0x1F300...0x1F64F, 0x1F900...0x1F9FF, 0x20000...0x3FFFD:
      return 2
    default:
      return 1
    }
  }

  /// Text width in columns.
  public static func width(_ text: String) -> Int {
    // Printable ASCII (most text) is one column per byte, with nothing to escape.
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
    return safe(text).reduce(0) { $0 + displayWidth($1) }
  }
}
