/// A grid of line segments that joins them as box-drawing glyphs: where two lines of one net meet,
/// the cell shows the junction (`├`, `┬`, `┼`, ...); where lines of two different nets cross, the
/// later one passes over the earlier (`─│─`, not `┼`), so a crossing never reads as a connection.
/// Drawn into a ``Buffer`` with ``draw(into:at:ascii:)``; labels and arrowheads go on top after.
public struct LineCanvas: Sendable {
  /// The stroke of a line. Junctions of mixed strokes take the stroke of the last line drawn.
  public enum Stroke: UInt8, Sendable, Hashable {
    case light, heavy, double, dashed
  }

  /// Directions a cell's line leaves it in.
  struct Exits: OptionSet, Hashable {
    let rawValue: UInt8
    static let up = Exits(rawValue: 1)
    static let right = Exits(rawValue: 2)
    static let down = Exits(rawValue: 4)
    static let left = Exits(rawValue: 8)
    static let horizontal: Exits = [.left, .right]
    static let vertical: Exits = [.up, .down]
  }

  struct Mark: Hashable {
    var exits = Exits()
    var stroke = Stroke.light
    var net = -1
    var style = Style.plain
  }

  public let width: Int
  public let height: Int
  private var marks: [Mark]

  public init(width: Int, height: Int) {
    self.width = max(0, width)
    self.height = max(0, height)
    marks = Array(repeating: Mark(), count: self.width * self.height)
  }

  /// Adds exits to a cell; a different net's perpendicular line there makes a crossing.
  private mutating func add(_ exits: Exits, x: Int, y: Int, stroke: Stroke, net: Int, style: Style) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    var m = marks[y * width + x]
    if m.net != net, !m.exits.isEmpty {
      // Another net is here: the new line passes over it.
      m.exits = exits
    } else {
      m.exits.formUnion(exits)
    }
    m.net = net
    m.stroke = stroke
    m.style = style
    marks[y * width + x] = m
  }

  /// A horizontal line from column `x0` to `x1` (inclusive, either order) on row `y`.
  public mutating func horizontal(
    y: Int, from x0: Int, to x1: Int, stroke: Stroke = .light, net: Int, style: Style = .plain
  ) {
    let (a, b) = (min(x0, x1), max(x0, x1))
    guard a < b, y >= 0, y < height else { return }
    // Only the cells inside the canvas (a long line of a large diagram is clipped, not walked).
    let (lo, hi) = (max(a, -1), min(b, width))
    guard lo <= hi else { return }
    for x in lo...hi {
      var e = Exits()
      if x > a { e.insert(.left) }
      if x < b { e.insert(.right) }
      add(e, x: x, y: y, stroke: stroke, net: net, style: style)
    }
  }

  /// A vertical line from row `y0` to `y1` (inclusive, either order) in column `x`.
  public mutating func vertical(
    x: Int, from y0: Int, to y1: Int, stroke: Stroke = .light, net: Int, style: Style = .plain
  ) {
    let (a, b) = (min(y0, y1), max(y0, y1))
    guard a < b, x >= 0, x < width else { return }
    let (lo, hi) = (max(a, -1), min(b, height))
    guard lo <= hi else { return }
    for y in lo...hi {
      var e = Exits()
      if y > a { e.insert(.up) }
      if y < b { e.insert(.down) }
      add(e, x: x, y: y, stroke: stroke, net: net, style: style)
    }
  }

  /// The outline of a rectangle (its corners and sides), one net of its own.
  public mutating func box(_ r: Rect, stroke: Stroke = .light, net: Int, style: Style = .plain) {
    guard r.width >= 2, r.height >= 2 else { return }
    horizontal(y: r.y, from: r.x, to: r.maxX - 1, stroke: stroke, net: net, style: style)
    horizontal(y: r.maxY - 1, from: r.x, to: r.maxX - 1, stroke: stroke, net: net, style: style)
    vertical(x: r.x, from: r.y, to: r.maxY - 1, stroke: stroke, net: net, style: style)
    vertical(x: r.maxX - 1, from: r.y, to: r.maxY - 1, stroke: stroke, net: net, style: style)
  }

  /// Whether a line of any net passes through a cell.
  public func isLine(x: Int, y: Int) -> Bool {
    guard x >= 0, y >= 0, x < width, y < height else { return false }
    return !marks[y * width + x].exits.isEmpty
  }

  /// Joins a line of net `net` ending beside a box's side into it: the side's cell gets the
  /// exit toward the line (`├`, `┤`, `┬`, `┴`), whatever net drew the side.
  public mutating func join(x: Int, y: Int, toward exit: Direction) {
    guard x >= 0, y >= 0, x < width, y < height else { return }
    marks[y * width + x].exits.insert(exit.exits)
  }

  /// A direction out of a cell.
  public enum Direction: Sendable {
    case up, right, down, left
    var exits: Exits {
      switch self {
      case .up: .up
      case .right: .right
      case .down: .down
      case .left: .left
      }
    }
  }

  /// Writes every line cell into `buffer`, offset by `origin`, clipped to `clip`.
  public func draw(
    into buffer: inout Buffer, at origin: (x: Int, y: Int) = (0, 0), clip: Rect? = nil, ascii: Bool = false
  ) {
    let area = clip ?? buffer.area
    for y in 0..<height {
      let by = origin.y + y
      guard by >= area.y, by < area.maxY else { continue }
      for x in 0..<width {
        let m = marks[y * width + x]
        guard !m.exits.isEmpty else { continue }
        let bx = origin.x + x
        guard bx >= area.x, bx < area.maxX else { continue }
        buffer[bx, by] = Cell(LineCanvas.glyph(m.exits, m.stroke, ascii: ascii), m.style)
      }
    }
  }

  /// The glyph of a cell with these exits: box drawing in four strokes, or ASCII (`-`, `|`, `+`).
  static func glyph(_ e: Exits, _ stroke: Stroke, ascii: Bool) -> String {
    let index = Int(e.rawValue & 15)
    if ascii {
      if e == .horizontal || e == .left || e == .right { return stroke == .double ? "=" : "-" }
      if e == .vertical || e == .up || e == .down { return stroke == .double ? "H" : "|" }
      return "+"
    }
    return glyphs[Int(stroke.rawValue)][index]
  }

  /// Glyphs by exit mask (up 1, right 2, down 4, left 8) for each stroke.
  private static let glyphs: [[String]] = [
    // light
    [" ", "│", "─", "└", "│", "│", "┌", "├", "─", "┘", "─", "┴", "┐", "┤", "┬", "┼"],
    // heavy
    [" ", "┃", "━", "┗", "┃", "┃", "┏", "┣", "━", "┛", "━", "┻", "┓", "┫", "┳", "╋"],
    // double
    [" ", "║", "═", "╚", "║", "║", "╔", "╠", "═", "╝", "═", "╩", "╗", "╣", "╦", "╬"],
    // dashed: straight runs dashed, corners and junctions light
    [" ", "┆", "┄", "└", "┆", "┆", "┌", "├", "┄", "┘", "┄", "┴", "┐", "┤", "┬", "┼"],
  ]
}
