import TermRender

/// How far the narration pane is scrolled, and for which step and micro-step: another step or
/// micro-step starts at the top again.
public struct NarrationScroll: Sendable, Hashable {
  var step = 0
  var micro: Int?
  var offset = 0
}

extension AppState {
  /// Lines one PgDn or PgUp moves the narration (the pane shows at least 3 at the smallest size).
  static let narrationPage = 3

  /// The narration's scroll offset for what is on screen: 0 once the step or micro-step changed.
  var narrationOffset: Int {
    narrationScroll.step == step && narrationScroll.micro == micro ? narrationScroll.offset : 0
  }

  /// PgDn (`pages` 1) and PgUp (-1) while the steps pane has the focus: scrolls the narration.
  /// The frame's size is not known here, so the offset stops where the last lines show at the
  /// narrowest frame (the pane clamps it for the size it is drawn at); ↓/↑ and j/k stay the
  /// micro-step keys.
  mutating func scrollNarration(_ pages: Int) {
    var pane = narration(options.ascii ? Theme.ascii : Theme.unicode)
    pane.scroll = narrationOffset
    let total = pane.text(width: minimumSize.width - 2).lines.count
    let offset = max(0, min(total - Self.narrationPage, narrationOffset + pages * Self.narrationPage))
    narrationScroll = NarrationScroll(step: step, micro: micro, offset: offset)
  }
}
