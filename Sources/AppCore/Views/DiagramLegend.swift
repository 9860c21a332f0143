import AnonVMASim
import TermRender

/// The legend of the diagram (`L`): what every glyph, line style, mark, counter and abbreviation
/// means, in the model's words (``ForestDiagram/legend(kernel:ascii:)``), drawn over the frame
/// between the header and the status line, wrapped at word boundaries; ↓/↑ and PgDn/PgUp scroll
/// it where it does not fit (`DiagramViewState.legendScroll`).
struct DiagramLegend: Widget {
  var kernel: KernelVersion
  /// The other model's kernel in a comparison: its counters are explained too.
  var compared: KernelVersion? = nil
  var ascii: Bool
  var scroll: Int
  var theme: Theme

  /// The legend's rows at `width` columns: each entry wrapped, its continuation lines indented.
  static func rows(kernel: KernelVersion, compared: KernelVersion? = nil, ascii: Bool, width: Int) -> [String] {
    ForestDiagram.legend(kernel: kernel, ascii: ascii, compared: compared).flatMap { rowsOf($0, width: width) }
  }

  /// One entry's rows at `width` columns.
  static func rowsOf(_ entry: String, width: Int) -> [String] {
    wrapHanging(entry, max(10, width), indent: entry.prefix { $0 == " " }.count + 2)
  }

  /// Where the legend goes in a model's frame: between the header and the status line.
  static func area(in frame: Rect) -> Rect {
    Rect(x: frame.x, y: frame.y + 1, width: frame.width, height: frame.height - 2)
  }

  func render(in area: Rect, into b: inout Buffer) {
    guard area.width >= 20, area.height >= 3 else { return }
    let inner = area.inset(1)
    let rows = Self.rows(kernel: kernel, compared: compared, ascii: ascii, width: inner.width)
    let top = max(0, min(scroll, rows.count - inner.height))
    let below = rows.count - top - inner.height
    var title = "legend: L closes"
    if top > 0 || below > 0 { title += ascii ? ", up/down scroll" : ", ↓↑ scroll" }
    b.fill(area)
    Block(title: title, focused: true, theme: theme).render(in: area, into: &b)
    var lines = rows.dropFirst(top).prefix(inner.height).map { Line($0) }
    if below > 0, !lines.isEmpty {
      lines[lines.count - 1] = Line(
        (ascii ? "v " : "↓ ") + "\(below + 1) more (\(ascii ? "down" : "↓") PgDn)", theme.hint)
    }
    LineList(lines: Array(lines), theme: theme).render(in: inner, into: &b)
  }
}
