import SafeText

/// One of the 16 terminal colors.
public enum Color: Int, Sendable, Hashable, CaseIterable {
  case black = 0
  case red, green, yellow, blue, magenta, cyan, white
  case brightBlack, brightRed, brightGreen, brightYellow, brightBlue, brightMagenta, brightCyan, brightWhite
}

/// How a cell looks. Meaning is never carried by color alone: glyphs and bold/reverse carry it too.
public struct Style: Sendable, Hashable {
  public var fg: Color?
  public var bg: Color?
  public var bold = false
  /// Secondary text: faint where 8 or 16 colours (or none) show, grey where 256 do
  /// (`TerminalStyle`).
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
  /// Whether the cell (`x`, `y`) is inside.
  public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
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
    // Printable ASCII (most of a frame) is one cell per byte with nothing to escape: no escaping
    // pass and no width lookups (the general path below costs a frame about twice as much).
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
      for byte in text.utf8 {
        if col + 1 > limit { break }
        if col >= 0 { self[col, y] = Cell(String(UnicodeScalar(byte)), style) }
        col += 1
      }
      return col
    }
    Buffer.forEachCell(text) { cell, w in
      if col + w > limit { return false }
      if col >= 0 {
        self[col, y] = Cell(cell, style)
        if w == 2 { self[col + 1, y] = Cell("", style) }
      }
      col += w
      return true
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

  /// Lays text out in cells as the terminal does (the C library's `wcwidth`, per scalar): each
  /// scalar of width 1 or 2 starts a cell, and zero-width scalars join the cell before. The text
  /// is escaped first, by the one escaper, which leaves a zero-width scalar only where a cell can
  /// take it (``TextSafety/maxJoined``). Calls `body` with each cell's text and width until it
  /// returns false.
  static func forEachCell(_ text: String, _ body: (String, Int) -> Bool) {
    var cell = ""
    var cellWidth = 0
    for scalar in TextSafety.escape(text).unicodeScalars {
      let w = DisplayWidth.of(scalar.value)
      if w == 0 {
        cell.unicodeScalars.append(scalar)
        continue
      }
      if cellWidth > 0, !body(cell, cellWidth) { return }
      cell = String(scalar)
      cellWidth = w
    }
    if cellWidth > 0 { _ = body(cell, cellWidth) }
  }

  /// Columns a cell's text takes: the width of its first scalar (the others join it).
  public static func displayWidth(_ ch: Character) -> Int {
    guard let v = ch.unicodeScalars.first?.value else { return 1 }
    return max(1, DisplayWidth.of(v))
  }

  /// Text width in columns, as ``put(_:x:y:style:maxX:)`` lays it out.
  public static func width(_ text: String) -> Int {
    // Printable ASCII (most text) is one column per byte, with nothing to escape.
    if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
    var total = 0
    forEachCell(text) { _, w in
      total += w
      return true
    }
    return total
  }
}
