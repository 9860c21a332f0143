import TermRender

/// What the mouse does, where the terminal reports it (`play` asks for it unless `--no-mouse`):
/// a click on an object of the diagram selects it (as ↓/↑ would; a pin moves to it), a click on
/// the object already selected opens the inspector (as enter), a click on the diagram's empty
/// space clears an unpinned selection, a click on the narration focuses it; the wheel scrolls the
/// diagram three rows, or the narration under the pointer. Everything else is left alone: a
/// click never steps in time, so a stray one cannot lose the audience's place.
extension AppState {
  /// The rows the wheel scrolls the diagram per notch.
  static let wheelRows = 3

  mutating func handleMouse(_ event: MouseEvent, width: Int, height: Int) {
    guard prompt == nil, card == nil else { return }
    // A click that moves the focus: esc no longer takes it back to before a find.
    let before = focus
    defer { if focus != before { findReturn = nil } }
    if overlay != nil {
      if event.action == .press { overlay = nil }
      return
    }
    // In a comparison the mouse acts on this model's half (beside the other, or above it); a
    // click on the other half's diagram selects what it hits there (one selection for both).
    let full = Rect(x: 0, y: 0, width: width, height: height)
    let area = modelArea(full)
    guard area.contains(x: event.x, y: event.y) else {
      if event.action == .press { selectInCompareHalf(event, full: full) }
      return
    }
    let narration = frameRows(in: area).narration
    if narration.contains(x: event.x, y: event.y) {
      switch event.action {
      case .press: focus = .steps
      case .wheelUp: scrollNarration(-1)
      case .wheelDown: scrollNarration(1)
      }
      return
    }
    guard forestView == .diagram, let diagrams = layout.diagram, let pane = diagramPane(in: area),
      pane.canvas.contains(x: event.x, y: event.y)
    else { return }
    let window = diagramWindow(diagrams, pane: pane)
    switch event.action {
    case .wheelUp, .wheelDown:
      let by = event.action == .wheelUp ? -Self.wheelRows : Self.wheelRows
      diagramView.top = max(0, min(window.top + by, window.diagram.height - window.rows))
      diagramView.left = window.left
      // Scrolling away from the selection must not pull the view back to it.
      if let s = diagramView.selection, !diagramView.pinned, let r = window.diagram.rect(of: s),
        r.maxY <= diagramView.top || r.y >= diagramView.top + window.rows
      {
        diagramView.selection = nil
      }
    case .press:
      let point = (x: event.x - pane.canvas.x + window.left, y: event.y - pane.canvas.y + window.top)
      focus = .forest
      guard let hit = window.diagram.object(at: point) else {
        if !diagramView.pinned { diagramView.selection = nil }
        return
      }
      if hit == diagramView.selection {
        overlay = .inspector
      } else {
        diagramView.selection = hit
        diagramView.top = window.top
        diagramView.left = window.left
      }
    }
  }
}

extension AppState {
  /// A click on the comparison model's half: selects the object of its diagram under the
  /// pointer (clears an unpinned selection on its empty space), as a click on this half does.
  mutating func selectInCompareHalf(_ event: MouseEvent, full: Rect) {
    guard forestView == .diagram, let half = compareHalf(), let areas = compareAreas(full),
      let diagrams = compareLayout?.diagram, let pane = half.diagramPane(in: areas.1),
      pane.canvas.contains(x: event.x, y: event.y)
    else { return }
    let window = half.diagramWindow(diagrams, pane: pane)
    let point = (x: event.x - pane.canvas.x + window.left, y: event.y - pane.canvas.y + window.top)
    focus = .forest
    guard let hit = window.diagram.object(at: point) else {
      if !diagramView.pinned { diagramView.selection = nil }
      return
    }
    if hit == diagramView.selection { overlay = .inspector } else { diagramView.selection = hit }
  }
}

extension ForestDiagram {
  /// The object drawn at a cell of the diagram: the smallest box or VMA row that holds it (a VMA
  /// row before the process box around it), nil on empty space and arrows.
  public func object(at point: (x: Int, y: Int)) -> Object? {
    var best: (object: Object, area: Int)?
    for (object, r) in placed {
      guard r.contains(x: point.x, y: point.y) else { continue }
      if best == nil || r.width * r.height < best?.area ?? 0 { best = (object, r.width * r.height) }
    }
    return best?.object
  }
}
