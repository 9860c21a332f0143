import AnonVMASim
import TermRender

/// What the keys do in diagram view: ↓/↑ walk the selection through the diagram's objects in
/// reading order, PgDn/PgUp scroll a page (the selection follows into the page), `P` pins, `/`
/// finds (unfolding a fold that hides the object), tab skips the VMA pane (the diagram holds it).
extension AppState {
  /// Whether ↓/↑, PgDn/PgUp and enter act on the diagram.
  var diagramFocused: Bool { forestView == .diagram && focus == .forest }

  /// The pane's inner rows in the last frame drawn, or a guess before the first.
  var diagramRows: Int { diagramView.paneRows ?? 20 }

  /// The diagram on screen, as the last frame showed it.
  var shownDiagram: ForestDiagram? {
    layout.diagram?.shown(rows: diagramRows, selection: diagramView.selection)
  }

  /// Moves the focus `by` panes on (mod the pane count), past the VMA pane in diagram view.
  mutating func cycleFocus(_ by: Int) {
    let n = Pane.allCases.count
    findReturn = nil
    focus = Pane(rawValue: (focus.rawValue + by) % n) ?? .steps
    if forestView == .diagram && focus == .vmas { focus = Pane(rawValue: (focus.rawValue + by) % n) ?? .steps }
  }

  /// The comparison model's diagram as its half shows it (nil without a comparison).
  var compareShownDiagram: ForestDiagram? {
    compareLayout?.diagram?.shown(rows: diagramRows, selection: diagramView.selection)
  }

  /// The objects ↓/↑ walk: the diagram's, in reading order; in a comparison also those only the
  /// other model's diagram draws, each after the object it follows there (so either half's
  /// objects can be selected: the selection is one for both halves).
  var selectableObjects: [ForestDiagram.Object] {
    guard let d = shownDiagram else { return [] }
    let mine = d.objects
    guard let other = compareShownDiagram?.objects else { return mine }
    let known = Set(mine)
    // Each object only the other half draws, grouped under the last one both draw before it.
    var after: [ForestDiagram.Object?: [ForestDiagram.Object]] = [:]
    var anchor: ForestDiagram.Object?
    for object in other {
      if known.contains(object) { anchor = object } else { after[anchor, default: []].append(object) }
    }
    guard !after.isEmpty else { return mine }
    var objects = after[nil] ?? []
    for object in mine { objects += [object] + (after[object] ?? []) }
    return objects
  }

  /// ↓/↑: the next or previous object in reading order (``selectableObjects``); with nothing
  /// selected, the first object the pane shows.
  mutating func moveDiagramSelection(_ delta: Int) {
    guard let d = shownDiagram else { return }
    let objects = selectableObjects
    guard !objects.isEmpty else { return }
    if let current = diagramView.selection, let i = objects.firstIndex(of: current) {
      diagramView.selection = objects[max(0, min(objects.count - 1, i + delta))]
    } else {
      let top = diagramView.top
      diagramView.selection = d.placed.first { $0.rect.y >= top }?.object ?? objects[0]
    }
  }

  /// PgDn/PgUp: scrolls a page and, when the selection would leave the pane, selects the first
  /// object of the new page.
  mutating func pageDiagram(_ direction: Int) {
    guard let d = shownDiagram else { return }
    let rows = max(1, diagramRows - 1)
    let top = max(0, min(diagramView.top + direction * rows, d.height - diagramRows))
    diagramView.top = top
    let page = top..<(top + diagramRows)
    if let s = diagramView.selection, let r = d.rect(of: s), page.contains(r.y) { return }
    if let first = d.placed.first(where: { page.contains($0.rect.y) }) {
      diagramView.selection = first.object
    }
  }

  /// `P`: pins the selection (it stays selected and in view across steps) or releases the pin.
  mutating func togglePin() {
    guard let s = diagramView.selection else {
      diagramView.pinned = false
      return
    }
    let named = name(of: s, world)
    diagramView.pinned.toggle()
    diagramView.pinnedName = diagramView.pinned ? named : nil
    message = diagramView.pinned ? "pinned \(named): P releases it" : "pin released"
    // Released on a step without the object: nothing is selected (the border said `vma#2`).
    if !diagramView.pinned, layout.diagram?.wholeDraws(s) == false {
      diagramView.selection = nil
      message = "pin released (\(named) is not in this step)"
    }
  }

  /// `/` in diagram view: a process, VMA, anon_vma, page (`pg1`) or KSM stable node (`K1`) by
  /// name, selected and scrolled to; a fold that hides it is unfolded (as `z`). A page whose
  /// name its box does not write selects its anon_vma, and says so.
  mutating func findInDiagram(_ name: String) -> [Effect] {
    let (object, note) = Self.object(named: name, in: world, whole: layout.diagram?.whole)
    // In a comparison, an object only the other model's half draws (or draws by that name where
    // this one stands in another for it) is selected there.
    if object.map({ layout.diagram?.wholeDraws($0) != true }) ?? true || note != nil, let other = compareLayout,
      let otherDiagrams = other.diagram
    {
      let (there, otherNote) = Self.object(named: name, in: other.world, whole: otherDiagrams.whole)
      if let there, otherDiagrams.wholeDraws(there), otherNote == nil || object.map(otherDiagrams.wholeDraws) != true {
        focus = .forest
        diagramView.selection = there
        message = otherNote ?? "\(name) is drawn in \(other.world.kernel.rawValue)'s half only"
        return []
      }
    }
    guard let object, let diagrams = layout.diagram, diagrams.wholeDraws(object) else {
      notice = .warning("nothing named '\(name)' at this step")
      return []
    }
    focus = .forest
    diagramView.selection = object
    message = note
    if let folded = diagrams.folded, folded.rect(of: object) == nil, diagrams.wholeHeight > diagramRows {
      folding = false
      message = (note.map { $0 + "; " } ?? "") + "unfolded: \(name) was inside a ×N fold (z folds again)"
    }
    return []
  }

  /// The object `/` finds by `name` in `w` (drawn or not), and a note when it is another: a
  /// page whose name its box (in `whole`) does not write stands for its anon_vma.
  static func object(named name: String, in w: World, whole: ForestDiagram?) -> (ForestDiagram.Object?, String?) {
    var object: ForestDiagram.Object?
    var note: String?
    if let v = w.orderedVMAs.first(where: { w.vmaName($0) == name }) {
      object = .vma(v)
    } else if let p = w.processIndex(named: name) {
      object = .process(p)
    } else if let id = World.anonVMAID(named: name), w.anonVMA(id) != nil {
      object = .anonVMA(id)
    } else if let id = World.pageID(named: name), w.isAllocated(id), !w[page: id].freed {
      object = .page(id)
      if whole?.rect(of: .page(id)) == nil, case .anon(let a) = w[page: id].mapping {
        object = .anonVMA(a)
        note = "\(name) is filed in \(World.avName(a)) (its box does not write its name)"
      }
    } else if name.hasPrefix("K"), let n = Int(name.dropFirst()) {
      object = .stableNode(StableNodeID(n))
    }
    return (object, note)
  }

  /// After a step was entered (``DiagramViewState/revealChanges``), opens the diagram's window
  /// on what the step is about: the window that shows whole the most of what the step made,
  /// freed, changed or walked, what its narration names first (``ForestDiagram/revealTargets(named:)``,
  /// ``ForestDiagram/stepWindow(_:extent:rows:boxes:current:)``): the window on screen stays
  /// when it shows as much. At 80×24 a fork's new child and anon_vma were below the fold
  /// (`↓ 7 more: +AV3`). A selection, or a micro-step's focus, is kept in view instead.
  mutating func revealStepChanges(width: Int, height: Int) {
    guard diagramView.revealChanges else { return }
    diagramView.revealChanges = false
    guard forestView == .diagram, diagramView.selection == nil, micro == nil, let diagrams = layout.diagram else {
      return
    }
    let area = modelArea(Rect(x: 0, y: 0, width: width, height: height))
    guard let pane = diagramPane(in: area) else { return }
    let rows = pane.canvas.height
    let d = diagrams.shown(rows: rows, selection: nil)
    // Rows below the last one drawing something (a plan's rows kept for later steps) are not
    // scrolled into view.
    let extent = min(d.height, d.drawnBottom)
    if let top = ForestDiagram.stepWindow(
      d.revealTargets(named: narrationNames), extent: extent, rows: rows, boxes: d.boxRows, current: diagramView.top)
    {
      diagramView.top = top
    }
  }

  /// The names of objects (`AV1`, `P3`, `K1`) the current step's `say` lines write, each with the
  /// number of times they write it (`P3:A@0` writes `P3`).
  var narrationNames: [String: Int] {
    let say = timeline.steps[min(step, timeline.stepCount)].say
    var names: [String: Int] = [:]
    for line in say {
      for word in line.split(whereSeparator: { !$0.isLetter && !$0.isNumber }) {
        names[String(word), default: 0] += 1
      }
    }
    return names
  }

  public mutating func syncDiagramView(width: Int, height: Int) {
    guard forestView == .diagram, let diagrams = layout.diagram else { return }
    // In a comparison this model has the first half (beside the other, or above it).
    let area = modelArea(Rect(x: 0, y: 0, width: width, height: height))
    guard let pane = diagramPane(in: area) else { return }
    let window = diagramWindow(diagrams, pane: pane)
    diagramView.top = window.top
    diagramView.left = window.left
    diagramView.paneRows = window.rows
    diagramView.paneColumns = pane.inner.width
  }
}
