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
  /// PgUp at the end moves at once. Before any frame (a test driving the reducer alone): 3 lines
  /// at the narrowest frame. ↓/↑ and j/k stay the micro-step keys.
  mutating func scrollNarration(_ pages: Int) {
    var pane = narration(options.ascii ? Theme.ascii : Theme.unicode)
    pane.scroll = narrationOffset
    let offset: Int
    if let size = narrationPaneSize() {
      let total = pane.text(width: size.width).lines.count
      let rows = size.height - 1
      offset = total <= size.height ? 0 : max(0, min(total - rows, narrationOffset + pages * max(1, rows - 1)))
    } else {
      let total = pane.text(width: minimumSize.width - 2).lines.count
      offset = max(0, min(total - Self.narrationPage, narrationOffset + pages * Self.narrationPage))
    }
    narrationScroll = NarrationScroll(step: step, micro: micro, offset: offset)
  }

  /// The narration pane's inner width and rows in the last frame drawn (nil before any, or when
  /// that frame was too small for the layout). Text that does not fit shows on `height - 1` rows,
  /// the last row saying what is cut.
  func narrationPaneSize() -> (width: Int, height: Int)? {
    guard let size = lastFrameSize else { return nil }
    var me = self
    let area = me.modelArea(Rect(x: 0, y: 0, width: size.width, height: size.height))
    guard area.width >= minimumSize.width, area.height >= minimumSize.height else { return nil }
    let rect = me.frameRows(in: area).narration.inset(1)
    guard rect.width > 0, rect.height > 1 else { return nil }
    return (rect.width, rect.height)
  }
}
