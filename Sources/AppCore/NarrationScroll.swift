import TermRender

/// How far the narration pane is scrolled, and for which step and micro-step: another step or
/// micro-step starts at the top again.
public struct NarrationScroll: Sendable, Hashable {
  var step = 0
  var micro: Int?
  var offset = 0
}

/// The size of the last frame drawn (``AppState/frame(width:height:)``): PgDn and PgUp work out
/// the narration pane of that frame when pressed, not each frame (its text is wrapped again).
struct FrameSize: Sendable, Hashable {
  var width: Int
  var height: Int
}

extension AppState {
  /// Lines one PgDn or PgUp moves the narration before any frame was drawn (the pane shows at
  /// least 3 at the smallest size).
  static let narrationPage = 3

  /// The narration's scroll offset for what is on screen: 0 once the step or micro-step changed.
  var narrationOffset: Int {
    narrationScroll.step == step && narrationScroll.micro == micro ? narrationScroll.offset : 0
  }

  /// PgDn (`pages` 1) and PgUp (-1) while the steps pane has the focus: scrolls the narration by
  /// the rows the last frame's pane shows, less one, so the last line of a page is the first of
  /// the next and the reader keeps the thread; stops where the last lines show in that pane, so
  /// PgUp at the end moves at once. In a comparison both halves' panes scroll together, each
  /// stopping at its own last lines, until the longer text's last lines show (the other model's
  /// account of a step is often the longer: its `≠` lines). Before any frame (a test driving the
  /// reducer alone): 3 lines at the narrowest frame. ↓/↑ and j/k stay the micro-step keys.
  mutating func scrollNarration(_ pages: Int) {
    let offset: Int
    let panes = narrationPanes()
    if !panes.isEmpty {
      // The page of the smaller pane (no line skipped in either); the end of the longer text.
      let page = panes.map { max(1, $0.height - 2) }.min() ?? 1
      let end = panes.map { $0.lines <= $0.height ? 0 : $0.lines - ($0.height - 1) }.max() ?? 0
      offset = max(0, min(end, narrationOffset + pages * page))
    } else {
      var pane = narration(options.ascii ? Theme.ascii : Theme.unicode)
      pane.scroll = narrationOffset
      let total = pane.text(width: minimumSize.width - 2).lines.count
      offset = max(0, min(total - Self.narrationPage, narrationOffset + pages * Self.narrationPage))
    }
    narrationScroll = NarrationScroll(step: step, micro: micro, offset: offset)
  }

  /// The narration panes of the last frame drawn (this model's, and in a comparison the other
  /// model's): each one's inner rows and the lines of its text at its inner width. Empty before
  /// any frame, or when that frame was too small for the layout. Text that does not fit shows on
  /// `height - 1` rows, the last row saying what is cut.
  func narrationPanes() -> [(height: Int, lines: Int)] {
    guard let size = lastFrameSize else { return [] }
    let full = Rect(x: 0, y: 0, width: size.width, height: size.height)
    var me = self
    let area = me.modelArea(full)
    guard area.width >= minimumSize.width, area.height >= minimumSize.height else { return [] }
    var halves = [(me, area)]
    if var half = compareHalf(), let areas = compareAreas(full) {
      half.sharedNarrationRows = me.sharedNarrationRows
      halves.append((half, areas.1))
    }
    let theme = options.ascii ? Theme.ascii : Theme.unicode
    return halves.compactMap { state, area in
      let rect = state.frameRows(in: area).narration.inset(1)
      guard rect.width > 0, rect.height > 1 else { return nil }
      var pane = state.narration(theme)
      pane.scroll = narrationOffset
      return (rect.height, pane.text(width: rect.width).lines.count)
    }
  }
}
