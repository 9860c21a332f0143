import AnonVMASim
import ScenePlayer
import TermRender

/// Where the diagram view's pane sits in a model's frame: the whole body, the diagram's window,
/// the lock lines under it, and at ≥ 160 columns a side column for the selected object's
/// details and the step's locks.
struct DiagramPaneGeometry {
  var outer: Rect
  var inner: Rect
  /// Where the diagram is drawn.
  var canvas: Rect
  /// The side column (wide terminals), nil otherwise.
  var side: Rect?
  /// The lines naming the step's locks, drawn under the diagram (in the side column when there is one).
  var lockLines: [String]
  /// The model's frame area the pane is in (the body where only that is known).
  var area: Rect
  /// The step's invariant violations (`! C12 page pg1 is mapped but its anon_vma AV1 was
  /// freed`), drawn under the diagram above the locks: the objects they name are marked `!C12`.
  var violationLines: [String] = []
}

/// The diagram is drawn where the body is at least 80 columns wide and 8 rows high: the process
/// column, a lane of arrows and the anon_vma column side by side with their labels legible.
/// Below that (60 to 79 columns, or a stacked comparison on a short terminal) the matrix is drawn.
let diagramMinimum = (width: 80, height: 8)

/// Columns of the side column, and the pane width from which it is shown.
let diagramSideWidth = 46
let diagramSideFrom = 160

/// The side column's columns in a pane `inner` columns wide inside its border: ``diagramSideWidth``
/// up to 246, then one more a column, at most 80 (from 280 columns): a 300-column terminal
/// writes the step's micro-steps on fewer, wider lines beside a diagram that does not need the
/// columns (E3's is under 110 wide).
func sideColumnWidth(inner: Int) -> Int { max(diagramSideWidth, min(80, inner - 200)) }

extension AppState {
  /// The diagram pane in a model's frame area, or nil when the diagram does not fit there.
  func diagramPane(in area: Rect) -> DiagramPaneGeometry? {
    var pane = diagramPane(body: frameRows(in: area).body)
    pane?.area = area
    return pane
  }

  /// The rows a diagram may fill in a model's frame area at every step of the timeline, in a
  /// pane wide enough for a plan to space its boxes to fill them (``ForestDiagram/Plan/gap(for:rows:)``),
  /// nil in a narrower one: the canvas under the narration pane as tall as the wordiest step's
  /// teaching text makes it (`say` and notes, without the step's messages), and without a side
  /// column the most lock lines. A step whose narration is shorter leaves the rows over to the
  /// narration or blank, and nothing moves between steps. Costs a wrap of every step's text:
  /// computed when the terminal's size changes (``frame(width:height:)``).
  func diagramPlanRows(in area: Rect) -> Int? {
    guard let pane = diagramPane(in: area), pane.canvas.width >= ForestDiagram.Plan.wideFrom else { return nil }
    var n = narration(options.ascii ? Theme.ascii : Theme.unicode)
    (n.micro, n.functions, n.cpus, n.message, n.kernel, n.question, n.account) = (nil, [], [], nil, [], nil, nil)
    let floor = NarrationPane.floor(frameHeight: area.height, presenter: presenter)
    let ceiling = NarrationPane.ceiling(frameHeight: area.height, presenter: presenter)
    var most = floor
    for k in timeline.steps.indices {
      n.step = k
      n.info = timeline.steps[k]
      n.nextLabel = k < timeline.stepCount ? timeline.steps[k + 1].label : nil
      // The teaching lines and the `↓ N more` line under them (the kernel functions follow).
      most = max(most, min(ceiling, n.text(width: area.width - 2).teaching + 3))
      if most == ceiling { break }
    }
    let lockLines = area.width >= diagramSideFrom ? 0 : 3
    // Header and status line, the pane's border.
    return max(0, area.height - 2 - most - 2 - lockLines)
  }

  /// The diagram pane's geometry in a frame body of this size.
  func diagramPane(body: Rect) -> DiagramPaneGeometry? {
    guard forestView == .diagram, body.width >= diagramMinimum.width, body.height >= diagramMinimum.height else {
      return nil
    }
    let inner = body.inset(1)
    // One blank column between the pane's border and the boxes.
    var canvas = Rect(
      x: inner.x + 1, y: inner.y, width: DiagramPane.canvasWidth(inner: inner.width), height: inner.height)
    var side: Rect?
    if body.width >= diagramSideFrom {
      let width = sideColumnWidth(inner: inner.width)
      side = Rect(x: inner.maxX - width, y: inner.y, width: width, height: inner.height)
    }
    var violationLines: [String] = []
    for v in ForestDiagram.stepViolations(layout.world) {
      violationLines += wrap("! \(v.code) \(v.message)", max(10, canvas.width)).map {
        options.ascii ? $0.asciiOnly : $0
      }
    }
    let mostViolations = max(1, inner.height / 4)
    if violationLines.count > mostViolations {
      // The rest is in the matrix view's details: say so with `…`.
      violationLines = Array(violationLines.prefix(mostViolations))
      violationLines[mostViolations - 1] =
        String(violationLines[mostViolations - 1].prefix(max(1, canvas.width - 2))) + " …"
    }
    canvas.height -= violationLines.count
    let all: (items: [String], brief: [String], note: String?) = layout.diagram?.lockLineItems ?? ([], [], nil)
    var lockLines: [String] = []
    if side == nil, !all.items.isEmpty || all.note != nil {
      // One line, two from 20 rows, three from 40: what the step locked, in order (the side
      // column lists all), and which moment is drawn, never cut (a row of its own if need be).
      // As many as the rows under a diagram that fits whole leave (a blank row between): a short
      // forest in a half of a comparison lists every lock rather than `…+N`.
      var most = inner.height >= 40 ? 3 : inner.height >= 20 ? 2 : 1
      // (The diagram's rows at every step of its plan: the locks line stands under them.)
      if let diagrams = layout.diagram {
        let height = max(diagrams.wholeHeight, diagrams.plan?.timelineHeight ?? 0)
        most = max(most, inner.height - violationLines.count - height - 1)
      }
      // The kernel functions are left out where they would cut an item (80×24: `held after…`).
      var packed = DiagramPane.packedLines(all.items, note: all.note, width: canvas.width, lines: most)
      if packed.cut { packed = DiagramPane.packedLines(all.brief, note: all.note, width: canvas.width, lines: most) }
      lockLines = packed.lines.map { options.ascii ? $0.asciiOnly : $0 }
      // Below the diagram: the canvas gives up its last rows, so the diagram starts on the same
      // row in a step with locks as in one without (nothing moves down).
      canvas.height -= lockLines.count
    }
    return DiagramPaneGeometry(
      outer: body, inner: inner, canvas: canvas, side: side, lockLines: lockLines, area: body,
      violationLines: violationLines)
  }

  /// The diagram a pane shows and the window of it: scrolled from where the last frame was as
  /// little as keeps the selection in view, or (nothing selected on screen) the object the
  /// micro-step on screen is about (``microStepFocus(_:)``).
  func diagramWindow(_ diagrams: DiagramLayout, pane: DiagramPaneGeometry) -> (
    diagram: ForestDiagram, top: Int, left: Int, rows: Int
  ) {
    let rows = pane.canvas.height
    let d = diagrams.shown(rows: rows, selection: diagramView.selection)
    let r = diagramView.selection.flatMap { d.rect(of: $0) } ?? microStepFocus(d)
    let top = DiagramLayout.window(
      start: diagramView.top, extent: d.height, size: rows, keep: r.map { $0.y..<$0.maxY })
    let left = DiagramLayout.window(
      start: diagramView.left, extent: d.width, size: pane.canvas.width, keep: r.map { $0.x..<$0.maxX })
    return (d, top, left, rows)
  }
}

extension AppState {
  /// How many rows of what the step draws the diagram pane leaves out of view (above and below
  /// its window) in a frame of this size, after ``frame(width:height:)``: 0 when it shows all;
  /// nil where no diagram is drawn (the matrix, a comparison). A static frame cannot scroll:
  /// `export` names the steps this is not 0 for (at its 100×30, E6's K1 was out of view at
  /// steps 10 to 12, whose narration is about its rmap_items).
  public func diagramRowsHidden(width: Int, height: Int) -> Int? {
    guard forestView == .diagram, compareTimeline == nil, let diagrams = layout.diagram,
      let pane = diagramPane(in: Rect(x: 0, y: 0, width: width, height: height))
    else { return nil }
    let window = diagramWindow(diagrams, pane: pane)
    return max(0, min(window.diagram.height, window.diagram.drawnBottom) - window.rows)
  }

  /// Where `d` draws the object the micro-step on screen is about, nil on a whole step or when
  /// `d` does not draw it: the first anon_vma its event names (``Event/objects``: the one locked,
  /// unlinked, freed or walked: `lock AV1 (root of AV3)`, `P3:A@0 off AV3's same_anon_vma list`),
  /// else the first VMA it names.
  func microStepFocus(_ d: ForestDiagram) -> Rect? {
    guard let micro = layout.key.micro, let m = layout.microSteps, m.step == layout.key.step,
      micro >= 0, micro < m.states.count
    else { return nil }
    let objects = m.states[micro].event.objects
    for case .anonVMA(let a) in objects { if let r = d.rect(of: .anonVMA(a)) { return r } }
    for case .vma(let v) in objects { if let r = d.rect(of: .vma(v)) { return r } }
    return nil
  }

  /// Why the diagram view shows the matrix here (written on the forest pane's bottom border).
  func diagramFallbackNote(in area: Rect) -> String? {
    guard forestView == .diagram else { return nil }
    let body = frameRows(in: area).body
    if body.width < diagramMinimum.width { return " matrix: the diagram needs \(diagramMinimum.width) columns " }
    if body.height < diagramMinimum.height { return " matrix: the diagram needs a taller pane " }
    return layout.diagramExcess.map { " matrix: the diagram is drawn up to \($0) " }
  }
}

extension DiagramLayout {
  /// The step's lock acquisitions, in order, as lines (`cpu0 locks AV1 (fork: anon_vma_fork) ×3`),
  /// then ``lockNote``.
  var lockSummary: [String] { lockTook + (lockNote.map { [$0] } ?? []) }

  /// The step's lock acquisitions, in order (`cpu0 locks AV1 (fork: anon_vma_fork) ×3`), or the
  /// locks held through it (taken in an earlier step, drawn too): `held: cpu0 holds AV1`.
  var lockTook: [String] { lockTook(functions: true) }

  /// ``lockTook``, naming the kernel functions or not (``StepLocks/summary(functions:)``).
  func lockTook(functions: Bool) -> [String] {
    let took = locks.map { !$0.holds.isEmpty || !$0.waits.isEmpty } ?? false
    return took ? locks?.summary(functions: functions) ?? [] : featuredHeld.map { "held: " + $0 }
  }

  /// Which moment's locks the picture shows, at a whole step holding one: `outline: micro-step N
  /// (AV1's lock)` when its outline is drawn (naming the locks where the step took others, as
  /// the list may not end with them: 2.6.34's E3 step 5 read `cpu0 locks AV3 (…); shown at
  /// micro-step 6` under AV1's outline; and what it covered then that the step freed), else why
  /// none is: every anon_vma under the step's locks is freed by its end (``StepLocks/featured``
  /// prefers a hold whose anon_vmas survive). Teaching text: never cut on screen. Only the
  /// outline is of that moment; the boxes are the step's end (it read `shown at micro-step 7` at
  /// E1's first write, whose AV1 box wrote `pages pg1` inside the outline: pg1 is filed after
  /// the unlock, without the lock).
  var lockNote: String? {
    guard let at = featuredMoment else { return nil }
    guard featuredDrawn else { return "not shown: every anon_vma under the step's locks is freed by its end" }
    // Named where the step's list names another lock too (at 80×24 the name costs E3 step 5's
    // locks line a row where AV1 is the only lock).
    let listed = Set((locks?.holds.map(\.anonVMA) ?? []) + (locks?.waits.map(\.anonVMA) ?? []))
    let names = listed.isSubset(of: featuredLocks) ? [] : featuredLocks.map { World.avName($0) + "'s" }
    let which =
      names.count == 1
      ? " (\(names[0]) lock)"
      : names.isEmpty ? "" : " (\(names.dropLast().joined(separator: ", ")) and \(names[names.count - 1]) locks)"
    let freed = locks?.freedSince.map { World.avName($0) } ?? []
    guard !freed.isEmpty else { return "outline: \(at)\(which)" }
    return "outline: \(at)\(which), less \(freed.joined(separator: " ")) (freed by the step's end)"
  }

  /// The locks line's items: inside a micro-step what is held at it (never the step's summary,
  /// which can contradict the picture), at a whole step ``lockTook``; the same without kernel
  /// functions, for a line too short for them; and ``lockNote``, which the line never cuts.
  var lockLineItems: (items: [String], brief: [String], note: String?) {
    if let heldNow {
      let items = ["held now: " + (heldNow.first ?? "")] + heldNow.dropFirst()
      return (items, items, nil)
    }
    return (lockTook, lockTook(functions: false), lockNote)
  }

  /// The anon_vma locks held in `w` and the CPUs waiting for one: `cpu0 holds AV1 (fork P1 P2)`,
  /// `cpu1 waits for AV1`, or `no anon_vma lock held`.
  static func heldLocks(_ w: World) -> [String] {
    var lines: [String] = []
    for lock in w.lockHolders.keys.sorted() {
      for h in w.lockHolders[lock] ?? [] {
        let mode = h.mode == .exclusive ? "" : " \(h.mode.rawValue)"
        lines.append("cpu\(h.cpu) holds \(World.avName(lock))\(mode)" + (h.op.map { " (\($0))" } ?? ""))
      }
    }
    for cpu in w.cpus {
      if let lock = cpu.waitingFor {
        let mode = cpu.waitingMode.map { $0 == .exclusive ? "" : " for \($0.rawValue)" } ?? ""
        lines.append("\(cpu.name) waits for \(World.avName(lock))\(mode)")
      }
    }
    return lines.isEmpty ? ["no anon_vma lock held"] : lines
  }
}

/// The diagram view's pane: "anon_vma forest", the step's locks, a window of the diagram, a
/// scroll and selection line on the bottom border, the legend (`L`) and, on wide terminals, the
/// side column.
struct DiagramPane: Widget {
  /// The canvas's width in a pane `inner` columns wide inside its border: less one blank column
  /// at the left, and the side column from ``diagramSideFrom`` columns.
  static func canvasWidth(inner: Int) -> Int {
    inner - 1 - (inner + 2 >= diagramSideFrom ? sideColumnWidth(inner: inner) + 1 : 0)
  }

  var state: AppState
  var diagrams: DiagramLayout
  var pane: DiagramPaneGeometry
  var theme: Theme
  /// In a comparison: what differs from the other model.
  var differs = CompareDiff()

  func render(in r: Rect, into b: inout Buffer) {
    guard
      diagrams.key.width != nil || state.diagramView.paneColumns != nil
        || diagrams.fit(pane.canvas.width, rows: state.diagramPlanRows(in: pane.area))
        || state.timeline.stepCount > 500
    else {
      // The pane's width not yet known to the reducer (a frame before the first sync) and the
      // diagram too wide for it: fitted for this frame only, where a plan is cheap (a timeline
      // whose micro-steps are planned); a larger one is fitted by the reducer after the sync.
      var fresh = state
      fresh.diagramView.paneColumns = pane.inner.width
      fresh.diagramView.planRows = state.diagramPlanRows(in: pane.area)
      fresh.refreshDiagram()
      guard let fitted = fresh.layout.diagram, fitted.key.width != nil else { return }
      DiagramPane(state: fresh, diagrams: fitted, pane: pane, theme: theme, differs: differs).render(in: r, into: &b)
      return
    }
    let view = state.diagramView
    let window = state.diagramWindow(diagrams, pane: pane)
    var d = window.diagram
    // `≠` only where this frame shows the comparison (a frame too small for two models draws
    // one, unmarked), and from what this frame was given: a half fitted for this frame only
    // (above) was laid out without the comparison (was: 6.1's half unmarked beside 2.6.36's).
    d.options.emphasized = differs.isEmpty ? [] : differs.objects(in: state.layout.world)
    let folded = d.processFolds.isEmpty ? "" : " (folded ×N: z unfolds)"
    Block(title: "anon_vma forest" + folded, focused: state.focusShown == .forest, theme: theme).render(
      in: pane.outer, into: &b)
    let canvas = pane.canvas
    // The step's locks under the diagram's last row (a blank row between), or at the pane's
    // bottom when the diagram fills the window.
    // An empty forest draws one line, and has nothing to scroll to.
    let empty = d.processes.isEmpty && d.anonVMAs.isEmpty && d.stableNodes.isEmpty
    let lockY = canvas.y + min(canvas.height, empty ? 2 : max(0, d.underRow - window.top) + 1)
    for (i, line) in pane.violationLines.enumerated() {
      b.put(line, x: pane.inner.x + 1, y: lockY + i, style: theme.violation, maxX: canvas.maxX)
    }
    for (i, line) in pane.lockLines.enumerated() {
      b.put(
        line, x: pane.inner.x + 1, y: lockY + pane.violationLines.count + i, style: theme.lockLens,
        maxX: pane.inner.maxX)
    }
    if empty {
      // Every process of the world has exited (and been freed), or none was created yet.
      let text = state.layout.world.processes.isEmpty ? " no processes yet" : " no processes left"
      b.put(text, x: canvas.x, y: canvas.y, style: theme.hint, maxX: canvas.maxX)
    } else {
      draw(d, top: window.top, left: window.left, into: &b)
    }
    if let s = view.selection, let rect = d.rect(of: s) { highlight(rect, s, top: window.top, left: window.left, &b) }
    bottomLine(d, top: window.top, left: window.left, empty: empty, into: &b)
    lockAbove(d, top: window.top, into: &b)
    if let side = pane.side { sideColumn(in: side, into: &b) }
  }

  /// A held lock whose outline's label is scrolled off above the window (the window kept on a
  /// micro-step's anon_vma further down the forest) is named on the pane's top border, after
  /// the title: `↑ AV1 lock: cpu0 (fork P2 P3)`, so the root lock stays in sight at 80x24.
  func lockAbove(_ d: ForestDiagram, top: Int, into b: inout Buffer) {
    let g = theme.glyphs
    let above = d.lockOutlines.filter { $0.rect.y < top }
    guard !above.isEmpty else { return }
    // After the title (the first border cell past it) and one more border cell.
    var x = pane.outer.x + 3
    while x < pane.outer.maxX - 1, b[x, pane.outer.y].text != g.h { x += 1 }
    x += 1
    let end = pane.outer.maxX - 2
    for outline in above {
      // The outline's own labels (` AV1 lock: cpu0 (fork P2 P3) `), after the arrow.
      let full = " \(g.up)" + outline.holders
      let text = x + Buffer.width(full) <= end ? full : " \(g.up)" + outline.brief
      guard x + Buffer.width(text) <= end else { return }
      b.put(text, x: x, y: pane.outer.y, style: theme.lockLens, maxX: pane.outer.maxX - 2)
      x += Buffer.width(text) + 1
    }
  }

  /// Draws the window at (`left`, `top`): straight in (clipped at the canvas's right edge) when
  /// not scrolled sideways, else through a buffer as wide as the diagram, copied from column
  /// `left`.
  func draw(_ d: ForestDiagram, top: Int, left: Int, into b: inout Buffer) {
    let canvas = pane.canvas
    guard left > 0 else {
      d.draw(into: &b, in: canvas, scroll: top)
      return
    }
    var wide = Buffer(width: d.width, height: canvas.height)
    d.draw(into: &wide, in: wide.area, scroll: top)
    for y in 0..<canvas.height {
      for x in 0..<min(canvas.width, d.width - left) {
        var cell = wide[left + x, y]
        // The right half of a wide character whose left half is scrolled off.
        if x == 0 && cell.text.isEmpty { cell = Cell(" ", cell.style) }
        b[canvas.x + x, canvas.y + y] = cell
      }
    }
  }

  /// Marks the selected object: its row (a VMA) or its box's title row in reverse video.
  func highlight(_ rect: Rect, _ s: ForestDiagram.Object, top: Int, left: Int, _ b: inout Buffer) {
    let canvas = pane.canvas
    let y = canvas.y + rect.y - top
    guard y >= canvas.y, y < canvas.maxY else { return }
    let x0 = max(canvas.x, canvas.x + rect.x + 1 - left)
    let x1 = min(canvas.maxX, canvas.x + rect.maxX - 1 - left)
    guard x0 < x1 else { return }
    b.style(Rect(x: x0, y: y, width: x1 - x0, height: 1)) { $0.reverse = true }
  }

  /// The bottom border: what is selected (and pinned), and how much of the diagram is above,
  /// below and to the right of the window (nothing when it is `empty`: a plan's height alone).
  func bottomLine(_ d: ForestDiagram, top: Int, left: Int, empty: Bool, into b: inout Buffer) {
    let canvas = pane.canvas
    let g = theme.glyphs
    var parts: [String] = []
    if let s = state.diagramView.selection {
      let name = state.name(of: s, state.layout.world)
      // In a comparison the selection may be drawn in one half only.
      let gone =
        d.rect(of: s) != nil
        ? ""
        : state.mirror
          ? " (not drawn here)"
          : state.compareLayout?.diagram?.wholeDraws(s) == true
            ? " (in \(state.compareLayout?.world.kernel.rawValue ?? "the other")'s half only)" : " (not in this step)"
      parts.append((state.diagramView.pinned ? "pinned " : "selected ") + name + gone)
    }
    if !empty {
      // What the step made, freed or changed out of view is named beside the count: `↓ 7 more: +AV3`.
      let marked = d.marked(outside: top..<(top + canvas.height))
      func named(_ names: [String]) -> String {
        names.isEmpty ? "" : ": " + names.prefix(2).joined(separator: " ") + (names.count > 2 ? " " + g.ellipsis : "")
      }
      if top > 0 { parts.append("\(g.up) \(top) more" + named(marked.above)) }
      // Rows below that draw something: a plan's blank rows (kept for other steps) are not more.
      let below = min(d.height, d.drawnBottom) - top - canvas.height
      if below > 0 { parts.append("\(g.more) \(below) more" + named(marked.below)) }
      if left > 0 { parts.append("\(left) cols left") }
      let right = d.width - left - canvas.width
      if right > 0 { parts.append("\(right) cols right") }
    }
    var x = pane.outer.maxX - 2
    if !parts.isEmpty {
      let text = " " + parts.joined(separator: "  ") + " "
      x = max(pane.outer.x + 2, pane.outer.maxX - 2 - Buffer.width(text))
      b.put(text, x: x, y: pane.outer.maxY - 1, style: theme.hint, maxX: pane.outer.maxX - 2)
    }
    // The rmap walk's label, left out beside the boxes for want of width, on the left of the
    // bottom border where it fits whole.
    if let walk = d.walkLabelLeftOut {
      let text = " " + (state.options.ascii ? walk.asciiOnly : walk) + " "
      if pane.outer.x + 2 + Buffer.width(text) < x {
        b.put(text, x: pane.outer.x + 2, y: pane.outer.maxY - 1, style: theme.lockLens, maxX: x)
      }
    }
  }

  /// The side column: the selected object's fields, then the step's locks.
  func sideColumn(in side: Rect, into b: inout Buffer) {
    for y in side.y..<side.maxY { b[side.x - 1, y] = Cell(theme.glyphs.v, theme.border) }
    // The divider joins the pane's border where nothing is written on it there.
    for (y, tee) in [(side.y - 1, theme.glyphs.teeDown), (side.maxY, theme.glyphs.teeUp)]
    where y >= 0 && y < b.height && b[side.x - 1, y].text == theme.glyphs.h {
      b[side.x - 1, y] = Cell(tee, b[side.x - 1, y].style)
    }
    var lines: [Line] = []
    var (title, fields) = state.inspector(theme).content
    let ascii = state.options.ascii
    if state.diagramView.selection == nil {
      title = "nothing selected"
      fields = ["tab focuses the forest: ↓ ↑ select, / finds, enter inspects, P pins, L legend"]
    }
    // A still frame (an exported page) selects nothing and has no keys: the column starts with
    // the step's locks.
    if !(state.options.still && state.diagramView.selection == nil) {
      lines.append(Line(title, theme.strong))
      for f in fields { for l in wrap(ascii ? f.asciiOnly : f, side.width - 1) { lines.append(Line(l)) } }
      lines.append(Line(""))
    }
    let locks = diagrams.lockSummary
    if let held = diagrams.heldNow {
      lines.append(Line("at this micro-step", theme.strong))
      for l in held { for w in wrap(ascii ? l.asciiOnly : l, side.width - 1) { lines.append(Line(w, theme.lockLens)) } }
      lines.append(Line(""))
    }
    lines.append(Line(locks.isEmpty ? "no anon_vma lock taken in this step" : "locks in this step", theme.strong))
    for l in locks { for w in wrap(ascii ? l.asciiOnly : l, side.width - 1) { lines.append(Line(w, theme.lockLens)) } }
    let area = Rect(x: side.x + 1, y: side.y, width: side.width - 1, height: side.height)
    // The micro-steps under the rest, in the rows it leaves (a blank, a header and one line at least).
    let steps = microStepLines(width: area.width, rows: area.height - lines.count - 1)
    LineList(lines: lines + (steps.isEmpty ? [] : [Line("")] + steps), theme: theme).render(in: area, into: &b)
  }

  /// The step's micro-steps as the model narrates them, numbered as `j` enters them (`3
  /// anon_vma_lock: lock AV1 (root of AV3)`; `cpu1 …` where the world has more than one CPU),
  /// in at most `rows` lines: what the step did inside, read without entering it. Inside a
  /// micro-step its line is in reverse video, and the lines kept are around it; lock and unlock
  /// events are in the lock's colour; the ones left out are counted. Empty where the timeline
  /// keeps no events (a scene of 200 operations or more and no CPUs, ``Timeline``): replaying
  /// a large step for its text would cost more than the frame.
  func microStepLines(width: Int, rows: Int) -> [Line] {
    let replay = state.timeline.replay
    let step = state.layout.key.step
    guard step > 0, replay.narration == .narrated, width > 12, rows >= 2 else { return [] }
    let events = replay.events(step: step)
    guard !events.isEmpty else { return [] }
    let micro = state.layout.key.micro
    let still = state.options.still
    let cpus = state.layout.world.cpus.count > 1
    let digits = String(events.count).count
    let header = Line(
      micro.map { "micro-step \($0 + 1) of \(events.count)" + (still ? "" : " (esc leaves)") }
        ?? "the step in \(events.count) micro-step\(events.count == 1 ? "" : "s")" + (still ? "" : " (j enters)"),
      theme.strong)
    // Each item takes a line at least: none further than `rows` from the one kept in view can
    // be shown, and only those are wrapped (a fork of many VMAs runs thousands of micro-steps).
    let around = micro ?? 0
    let near = max(0, around - rows)..<min(events.count, around + rows)
    let items: [[Line]] = near.map { i in
      let e = events[i]
      let number = String(repeating: " ", count: digits - String(i + 1).count) + "\(i + 1)"
      let text = number + " " + (cpus ? "cpu\(e.cpu) " : "") + e.summary
      let style = e.function.contains("lock") ? theme.lockLens : Style.plain
      return wrapHanging(state.options.ascii ? text.asciiOnly : text, width, indent: digits + 1).map {
        Line($0, style, selected: micro == i)
      }
    }
    let window = Self.itemWindow(items.map(\.count), around: around - near.lowerBound, rows: rows - 1)
    var lines = [header] + items[window].flatMap { $0 }
    let shown = (window.lowerBound + near.lowerBound)..<(window.upperBound + near.lowerBound)
    if shown.count < events.count {
      let g = theme.glyphs
      let parts = [
        shown.lowerBound > 0 ? "\(g.up) \(shown.lowerBound) above" : nil,
        shown.upperBound < events.count ? "\(g.ellipsis) \(events.count - shown.upperBound) more" : nil,
      ]
      let keys = still ? "" : " (j k step through them)"
      lines.append(Line(parts.compactMap { $0 }.joined(separator: "  ") + keys, theme.hint))
    }
    return lines
  }

  /// The items (of `heights` lines each) to show in `rows` lines, `around` among them: all
  /// when they fit; else, from `around`, one more after and one more before in turn while they
  /// fit (a line kept for the count of the rest), at least `around` itself.
  static func itemWindow(_ heights: [Int], around: Int, rows: Int) -> Range<Int> {
    guard heights.reduce(0, +) > rows, heights.indices.contains(around) else { return heights.indices }
    let room = rows - 1
    var (lower, upper, used) = (around, around + 1, heights[around])
    var grew = true
    while grew {
      grew = false
      if upper < heights.count, used + heights[upper] <= room {
        used += heights[upper]
        upper += 1
        grew = true
      }
      if lower > 0, used + heights[lower - 1] <= room {
        used += heights[lower - 1]
        lower -= 1
        grew = true
      }
    }
    return lower..<upper
  }

  /// Lines of at most `width` holding the items in order, separated by `; `, then `note` whole:
  /// what does not fit in `lines` lines is counted (`…+N`), the note never (teaching text: it
  /// takes the last line, or one more, wrapped, where it does not fit after the items).
  /// Also says whether an item was cut at a word (`…`).
  static func packedLines(_ items: [String], note: String?, width: Int, lines most: Int) -> (
    lines: [String], cut: Bool
  ) {
    guard let note else { return packedLines(items, width: width, lines: most) }
    let all = packedLines(items + [note], width: width, lines: most)
    if all.lines.last?.hasSuffix(note) == true { return all }
    let rows = wrap(note, max(1, width - 2)).map { "  " + $0 }
    guard !items.isEmpty else { return (wrap("locks: " + note, max(1, width)), false) }
    let first = packedLines(items, width: width, lines: max(1, most - rows.count))
    return (first.lines + rows, first.cut)
  }

  /// Lines of at most `width` holding the items in order, separated by `; `; what does not fit
  /// in `lines` lines is counted (`…+N`); an item wider than a line is wrapped at words where
  /// the lines allow.
  static func packed(_ items: [String], width: Int, lines most: Int) -> [String] {
    packedLines(items, width: width, lines: most).lines
  }

  /// ``packed(_:width:lines:)``, and whether an item was cut at a word (`…`).
  static func packedLines(_ items: [String], width: Int, lines most: Int) -> (lines: [String], cut: Bool) {
    var out: [String] = []
    var current = "locks:"
    for (i, item) in items.enumerated() {
      let rest = items.count - i
      let sep = current.hasSuffix(":") ? " " : "; "
      let candidate = current + sep + item
      // Room kept on the last line for the count of what does not fit.
      let room = out.count + 1 == most && rest > 1 ? width - 6 : width
      if Buffer.width(candidate) <= room {
        current = candidate
      } else if Buffer.width("  " + item) > width, case let rows = wrapHanging(candidate, width, indent: 4),
        out.count + rows.count <= (rest > 1 ? most - 1 : most)
      {
        // An item wider than a line, with lines to spare: wrapped at words, never cut.
        out += rows.dropLast()
        current = rows.last ?? current
      } else if out.count + 1 < most {
        out.append(current)
        current = "  " + item
      } else if current == "locks:" || current.allSatisfy({ $0 == " " }) {
        // Not one item on the line: the first cut at a word (`…`), then the count of the rest.
        let more = rest > 1 ? " …+\(rest - 1)" : ""
        out.append(current + sep + elide(item, width - Buffer.width(current + sep + more), ellipsis: "…") + more)
        return (out, true)
      } else {
        out.append(current + " …+\(rest)")
        return (out, false)
      }
    }
    out.append(elide(current, width, ellipsis: "…"))
    return (out, Buffer.width(current) > width)
  }
}

extension String {
  /// The text spelled in ASCII (`--ascii`): the symbols the model's and the panes' text use
  /// spelled out (`→` `->`, `≠` `!=`, `·` `|`, curly quotes straight), anything else `?` but
  /// ``nameGlue``, which `wrap` gives back as a space.
  var asciiOnly: String {
    guard !utf8.allSatisfy({ $0 < 0x80 }) else { return self }
    let spelled = map { String.asciiSpelling[$0] ?? String($0) }.joined()
    return String(ForestDiagram.asciiText(spelled).map { $0.isASCII || $0 == nameGlue ? $0 : "?" })
  }

  /// ASCII spellings of the symbols the panes' text uses beyond the diagram's own
  /// (`ForestDiagram.asciiText`: arrows, ellipsis, times, minus).
  static let asciiSpelling: [Character: String] = [
    "←": "<-", "≠": "!=", "·": "|", "“": "\"", "”": "\"", "‘": "'", "’": "'", "—": "--", "–": "-", "▶": ">",
  ]
}
