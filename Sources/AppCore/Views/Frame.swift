import AnonVMASim
import ScenePlayer
import TermRender

/// The minimum terminal size the full layout needs.
public let minimumSize = (width: 60, height: 16)

extension AppState {
  /// The frame at a size, as the runtime draws it. The diagram is first fitted to the pane's
  /// width at this size when that width is new (the first frame, a resize), then the pane's size
  /// and scroll are remembered (``syncDiagramView(width:height:)``), so the diagrams of the next
  /// steps are fitted by the reducer, one plan per timeline and width. Whoever draws frame after
  /// frame calls this, not ``render(width:height:)`` alone, which fits an unsynced diagram anew
  /// for every frame.
  public mutating func frame(width: Int, height: Int) -> Buffer {
    if forestView == .diagram {
      let area = modelArea(Rect(x: 0, y: 0, width: width, height: height))
      // The rows a plan may fill, worked out again when the size or the timeline changes.
      let planKey = [area.width, area.height, timeline.stepCount, presenter ? 1 : 0]
      var rowsChanged = false
      if diagramView.planRowsKey != planKey {
        let rows = diagramPlanRows(in: area)
        rowsChanged = rows != diagramView.planRows
        diagramView.planRowsKey = planKey
        diagramView.planRows = rows
      }
      if let pane = diagramPane(in: area), rowsChanged || diagramView.paneColumns != pane.inner.width {
        diagramView.paneColumns = pane.inner.width
        refreshDiagram()
      }
    }
    revealStepChanges(width: width, height: height)
    let buffer = render(width: width, height: height)
    syncDiagramView(width: width, height: height)
    syncLegend(width: width, height: height)
    lastFrameSize = FrameSize(width: width, height: height)
    if overlay == .help {
      // As the legend: the help's scroll stops where its last row shows, so ↑ after many ↓ moves.
      let theme = options.ascii ? Theme.ascii : Theme.unicode
      let rows = HelpOverlay.rows(keys: validKeys, width: width, theme: theme).count
      helpScroll = min(helpScroll, max(0, rows - (height - 4)))
    }
    return buffer
  }

  /// Remembers whether the frame drew the diagram (a small pane shows the matrix instead) and
  /// clamps the legend's scroll to where its last row shows, so ↓/↑ act on what is on screen
  /// (`legendOpen`) and ↑ after many ↓ moves it at once.
  mutating func syncLegend(width: Int, height: Int) {
    let area = modelArea(Rect(x: 0, y: 0, width: width, height: height))
    diagramDrawn =
      forestView == .diagram && area.width >= minimumSize.width && area.height >= minimumSize.height
      && diagramPane(in: area) != nil
    guard legendOpen else { return }
    let inner = DiagramLegend.area(in: area).inset(1)
    let rows = DiagramLegend.rows(
      kernel: timeline.kernel, compared: compareTimeline?.kernel, ascii: options.ascii, width: inner.width
    ).count
    diagramView.legendScroll = min(diagramView.legendScroll, max(0, rows - inner.height))
  }

  /// Whether the diagram's legend is on screen: it then takes ↓/↑ and PgDn/PgUp.
  var legendOpen: Bool { diagramView.legend && forestView == .diagram && diagramDrawn }

  /// The frame at a size. Pure: the same state and size give the same buffer.
  ///
  /// With a comparison model, the two models are drawn side by side from 160 columns (each half a
  /// full frame), one above the other below that, in lockstep; what differs between them is
  /// marked in both (`CompareDiff`).
  public func render(width: Int, height: Int) -> Buffer {
    guard layoutsCurrent else {
      // An input changed without the reducer: lay out for this frame only.
      var fresh = self
      fresh.refreshLayout()
      return fresh.render(width: width, height: height)
    }
    var b = Buffer(width: width, height: height)
    // Both halves' narration as high as the higher needs: their panes on the same rows.
    var me = self
    let area = me.modelArea(b.area)
    if var half = compareHalf(), let areas = compareAreas(b.area) {
      half.sharedNarrationRows = me.sharedNarrationRows
      // The inspector of an object only the other model draws opens over that model's half.
      if overlay == .inspector, forestView == .diagram, let s = diagramView.selection,
        layout.diagram?.wholeDraws(s) != true, compareLayout?.diagram?.wholeDraws(s) == true
      {
        me.overlay = nil
        half.overlay = .inspector
      }
      me.keysHeldBy = half.overlay
      half.keysHeldBy = me.overlay
      let diffs = currentCompareView?.diffs
      me.render(in: area, into: &b, differs: diffs?.this ?? CompareDiff())
      half.render(in: areas.1, into: &b, differs: diffs?.other ?? CompareDiff())
    } else if let other = compareTimeline, message == nil {
      // Compare is on but the frame holds one model: say so rather than hide it.
      var one = me
      // After the step's text: the narration keeps its place.
      one.lateNotice = .warning(
        "compare with \(other.kernel.rawValue) needs \(compareNeeds(width: width, height: height)); c turns it off")
      one.render(in: b.area, into: &b)
    } else {
      me.render(in: b.area, into: &b)
    }
    if !options.colors { b.style(b.area) { $0 = $0.withoutColor } }
    return b
  }

  /// The comparison model's half of the frame: its state, following this one's view and
  /// narration scroll, its narration its own account of the step; nil without a comparison.
  func compareHalf() -> AppState? {
    guard let other = compareTimeline, let lower = compareLayout else { return nil }
    var half = AppState(comparing: other, fileName: fileName, options: options, layout: lower)
    half.forestView = forestView
    half.narrationScroll = narrationScroll
    half.account = currentCompareView?.account
    half.notice = other.stepCount < step ? .warning("this model stopped at step \(other.stepCount)") : nil
    // Inside a micro-step: the other model at the micro-step paired with this one
    // (``MicroAlignment``), its own micro-steps listed with that one marked.
    if let micro, let theirs = lower.key.micro, let pairs = compareMicros, micro < pairs.paired.count {
      half.micro = theirs
      half.account?.current = theirs
      half.notice = Notice(lockstepNote(pairs, micro: micro, other: other, events: lower.microSteps))
    } else if micro != nil, step > 0, other.stepCount >= step {
      half.notice = Notice("\(other.kernel.rawValue) has no micro-steps in step \(step)")
    }
    // The same object selected (drawn by the reducer, `refreshDiagram`) and the same scroll: the
    // two diagrams' plans put their processes on the same rows, and the selection stays in view.
    half.focus = focus
    half.diagramView.selection = diagramView.selection
    half.diagramView.top = diagramView.top
    half.diagramView.left = diagramView.left
    return half
  }

  /// What the other half of a comparison says inside a micro-step: whether its micro-step is the
  /// same point of the kernel code as this one's, or only beside it, and the micro-steps it ran on
  /// the way that have no counterpart here (E6's 2.6.34 `anon_vma_free: AV1 freed`).
  func lockstepNote(_ pairs: MicroAlignment, micro: Int, other: Timeline, events: Layout.MicroSteps?) -> String {
    let (mine, theirs) = (timeline.kernel.rawValue, other.kernel.rawValue)
    var text =
      pairs.paired[micro]
      ? "in lockstep: the same point of the kernel code as \(mine)'s micro-step \(micro + 1)"
      : "\(mine)'s micro-step \(micro + 1) has no counterpart in \(theirs); beside it: \(theirs)'s micro-step "
        + "\(pairs.partner[micro] + 1)"
    let passed = pairs.skipped[micro]
    if !passed.isEmpty, let events {
      let named = passed.prefix(2).map { "\($0 + 1) (\(events.states[$0].event.summary))" }
      let more = passed.count > 2 ? " and \(passed.count - 2) more" : ""
      text +=
        "; \(theirs) ran before it, with no counterpart in \(mine): micro-step "
        + named.joined(separator: ", ") + more
    }
    return text
  }

  /// This model's area in a frame of `full`: the first half when the frame holds a comparison
  /// (beside the other model, or above it), else the whole. Sets ``sharedNarrationRows``: side
  /// by side, the narration rows of both halves (``jointNarrationRows(_:_:_:)``), read across;
  /// else nil (stacked halves each keep the rows their own text needs).
  mutating func modelArea(_ full: Rect) -> Rect {
    sharedNarrationRows = nil
    guard let half = compareHalf(), let areas = compareAreas(full) else { return full }
    if areas.0.y == areas.1.y { sharedNarrationRows = jointNarrationRows(areas.0, half, areas.1) }
    return areas.0
  }

  /// The narration rows both halves of a comparison take (this model's in `mine`, `half`'s in
  /// `theirs`): as many as the model whose step needs more takes (so each half's header,
  /// diagram pane and narration stand on the same rows as the other's), and the rows both
  /// diagrams leave empty below them for the longer text (``rowsLeftByDiagram(in:narration:wanted:)``).
  func jointNarrationRows(_ mine: Rect, _ half: AppState, _ theirs: Rect) -> Int {
    let a = narrationNeeds(in: mine)
    let b = half.narrationNeeds(in: theirs)
    let rows = max(a.rows, b.rows)
    let wanted = max(a.wanted, b.wanted) - rows
    guard wanted > 0 else { return rows }
    return rows
      + min(
        rowsLeftByDiagram(in: mine, narration: rows, wanted: wanted),
        half.rowsLeftByDiagram(in: theirs, narration: rows, wanted: wanted))
  }

  /// The narration's rows in a model's frame area (NarrationPane's bounds) and the rows its whole
  /// text would take.
  func narrationNeeds(in area: Rect) -> (rows: Int, wanted: Int) {
    let text = narration(options.ascii ? Theme.ascii : Theme.unicode).text(width: area.width - 2)
    return (NarrationPane.height(for: text, frameHeight: area.height, presenter: presenter), text.lines.count + 2)
  }

  /// Whether a frame of this size holds the two models of a comparison (``compareAreas(_:)``).
  func compareFits(width: Int, height: Int) -> Bool {
    compareAreas(Rect(x: 0, y: 0, width: width, height: height)) != nil
  }

  /// The rows a frame needs for a comparison stacked top and bottom: 20 a half, a forest pane
  /// of about 9 rows each. At 80×32 (two halves of the 16-row minimum) each forest had 4 rows,
  /// E6's changed AV2 and the other model's list of differences out of view.
  static let stackedCompareRows = 40

  /// What a comparison needs, said at a size that holds one model: `160 columns or 40 rows (now
  /// 80×24)`.
  func compareNeeds(width: Int, height: Int) -> String {
    "160 columns or \(Self.stackedCompareRows) rows (now \(width)\(options.ascii ? "x" : "×")\(height))"
  }

  /// Where the two models of a comparison go: left and right halves from 160 columns, top and
  /// bottom from ``stackedCompareRows`` rows; nil when neither fits (one model).
  func compareAreas(_ area: Rect) -> (Rect, Rect)? {
    if area.width >= 160, area.height >= minimumSize.height {
      let w = area.width / 2
      return (
        Rect(x: area.x, y: area.y, width: w, height: area.height),
        Rect(x: area.x + w, y: area.y, width: area.width - w, height: area.height)
      )
    }
    guard area.height >= Self.stackedCompareRows, area.width >= minimumSize.width else { return nil }
    let h = area.height / 2
    return (
      Rect(x: area.x, y: area.y, width: area.width, height: h),
      Rect(x: area.x, y: area.y + h, width: area.width, height: area.height - h)
    )
  }

  /// One model's frame in an area: header, the VMA and forest panes, narration, status line and
  /// the overlay, composed from the widgets under Views/.
  func render(in area: Rect, into b: inout Buffer, differs: CompareDiff = CompareDiff()) {
    let theme = options.ascii ? Theme.ascii : Theme.unicode
    let g = theme.glyphs
    guard area.width >= minimumSize.width, area.height >= minimumSize.height else {
      let text =
        "terminal too small: need \(minimumSize.width)\(g.times)\(minimumSize.height) "
        + "(now \(area.width)\(g.times)\(area.height)); step \(step)/\(timeline.stepCount)"
      let lines = wrap(text, area.width)
      let top = max(0, (area.height - lines.count) / 2)
      for (i, l) in lines.enumerated() {
        b.put(l, x: area.x + max(0, (area.width - Buffer.width(l)) / 2), y: area.y + top + i)
      }
      return
    }
    if let card {
      titleCard(card, theme: theme).render(in: area, into: &b)
      return
    }
    let statusY = area.maxY - 1
    let (body, narrationRect, narrationText) = frameRows(in: area)
    let leftW = min(48, max(30, area.width * 2 / 5))
    let w = layout.world
    let (covered, lockLegend) = layout.lockView
    header(theme).render(in: Rect(x: area.x, y: area.y, width: area.width, height: 1), into: &b)
    let selectedVMA = focus == .vmas ? selected(.vmas)?.vma : nil
    if let pane = diagramPane(in: area), let diagrams = layout.diagram {
      DiagramPane(state: self, diagrams: diagrams, pane: pane, theme: theme, differs: differs).render(
        in: body, into: &b)
    } else {
      VMAPane(
        layout: layout, covered: covered, selectedVMA: selectedVMA,
        focused: focusShown == .vmas, theme: theme, differs: differs
      ).render(in: Rect(x: body.x, y: body.y, width: leftW, height: body.height), into: &b)
      ForestPane(
        layout: layout, covered: covered, lockLegend: lockLegend,
        selectedAV: focus == .forest ? selected(.forest)?.anonVMA : nil, treeLayout: forestView == .tree,
        focused: focusShown == .forest, theme: theme, differs: differs
      ).render(in: Rect(x: body.x + leftW, y: body.y, width: body.width - leftW, height: body.height), into: &b)
      if let note = diagramFallbackNote(in: area) {
        // Cut at a word, marked (at 64×18 the border read `the diagram needs 80 c`).
        let room = body.maxX - 1 - (body.x + leftW + 2)
        let fitted = Buffer.width(note) <= room ? note : elide(note, room - 1, ellipsis: theme.glyphs.ellipsis) + " "
        b.put(fitted, x: body.x + leftW + 2, y: body.maxY - 1, style: theme.hint, maxX: body.maxX - 1)
      }
    }
    narration(theme).render(narrationText, in: narrationRect, into: &b)
    StatusBar(
      prompt: prompt, hints: Keymap.hintLine(for: self, ascii: options.ascii), playing: playing,
      pace: playing ? AppState.paceText(pace) : nil, cpus: w.cpus,
      totals: layout.totals, kernel: timeline.kernel,
      step: step, stepCount: timeline.stepCount, kernelMark: kernelMark, still: options.still, theme: theme
    ).render(in: Rect(x: area.x, y: statusY, width: area.width, height: 1), into: &b)
    if diagramView.legend, forestView == .diagram, diagramPane(in: area) != nil {
      // Over the frame between the header and the status line: the step goes on under it.
      DiagramLegend(
        kernel: timeline.kernel, compared: compareTimeline?.kernel, ascii: options.ascii,
        scroll: diagramView.legendScroll, theme: theme
      ).render(in: DiagramLegend.area(in: area), into: &b)
    }
    switch overlay {
    case .help: HelpOverlay(keys: validKeys, scroll: helpScroll, theme: theme).render(in: area, into: &b)
    case .inspector: inspector(theme).render(in: area, into: &b)
    case nil: break
    }
  }

  /// The rows of a model's frame below the header and above the status line: the body (the
  /// panes) and the narration, as high as its text needs within NarrationPane's bounds, and that
  /// text laid out for the pane's width.
  func frameRows(in area: Rect) -> (body: Rect, narration: Rect, text: NarrationPane.Text) {
    var pane = narration(options.ascii ? Theme.ascii : Theme.unicode)
    let text = pane.text(width: area.width - 2)
    var narrH = NarrationPane.height(for: text, frameHeight: area.height, presenter: presenter)
    // Inside a step's micro-steps the narration is as tall as the wordiest of them makes it: the
    // diagram's window keeps its rows from one micro-step to the next and does not scroll back
    // and forth (was: E3 5.1-5.6 at 80x24 a row up, down, up as the texts' lengths changed).
    if let shown = pane.micro, let m = layout.microSteps, m.step == step {
      let ceiling = NarrationPane.ceiling(frameHeight: area.height, presenter: presenter)
      for (i, state) in m.states.enumerated() where i != shown.index && narrH < ceiling {
        pane.micro = (i, shown.count, state.event)
        let other = pane.text(width: area.width - 2)
        narrH = max(narrH, NarrationPane.height(for: other, frameHeight: area.height, presenter: presenter))
      }
    }
    if let shared = sharedNarrationRows {
      // In a comparison: the rows both halves take (``modelArea(_:)``).
      narrH = max(1, min(shared, area.height - 3))
    } else {
      narrH += rowsLeftByDiagram(in: area, narration: narrH, wanted: text.lines.count + 2 - narrH)
    }
    let narrTop = area.maxY - 1 - narrH
    return (
      Rect(x: area.x, y: area.y + 1, width: area.width, height: narrTop - area.y - 1),
      Rect(x: area.x, y: narrTop, width: area.width, height: narrH), text
    )
  }

  /// How many rows, at most `wanted`, the narration may take from the forest pane in diagram
  /// view: those the diagram leaves empty below what the step draws (at 80×24 a small forest
  /// leaves room for every `say` line). A plan's blank rows under the step's boxes, kept for
  /// later steps' objects, count as empty (E2 step 3 at 80×24 had 6 of them under AV1 while
  /// its narration said `↓ 2 more`): nothing drawn moves, only the narration's top border. A
  /// folded forest keeps its rows (a shorter pane would show the folds). None when the diagram
  /// does not fit already.
  func rowsLeftByDiagram(in area: Rect, narration: Int, wanted: Int) -> Int {
    guard wanted > 0, forestView == .diagram, let diagrams = layout.diagram else { return 0 }
    var needed = diagrams.wholeHeight
    if diagrams.folded == nil, needed > 0 {
      let d = diagrams.whole
      needed = min(needed, d.drawnBottom)
    }
    func fits(_ extra: Int) -> Bool {
      let body = Rect(x: area.x, y: area.y + 1, width: area.width, height: area.height - 2 - narration - extra)
      guard let pane = diagramPane(body: body) else { return false }
      return pane.canvas.height >= needed
    }
    var extra = 0
    while extra < wanted, fits(extra + 1) { extra += 1 }
    return fits(extra) ? extra : 0
  }

  /// The object selected in a pane (a VMA or an anon_vma), if any.
  func selected(_ pane: Pane) -> Selectable? {
    selectable(pane).dropFirst(selection[pane] ?? 0).first
  }

  func header(_ theme: Theme) -> Header {
    Header(
      title: timeline.title, kernel: timeline.kernel, variants: timeline.variants, explore: explore,
      branchedAt: branchedAt, fileName: fileName, step: step, stepCount: timeline.stepCount, theme: theme)
  }

  func narration(_ theme: Theme) -> NarrationPane {
    var shownMicro: (index: Int, count: Int, event: Event)?
    if let micro, let m = layout.microSteps, m.step == step, micro < m.states.count {
      shownMicro = (micro, m.states.count, m.states[micro].event)
    }
    return NarrationPane(
      step: step, info: timeline.steps[step],
      nextLabel: step < timeline.stepCount ? timeline.steps[step + 1].label : nil,
      micro: shownMicro, cpus: timeline.cpuCount > 1 ? layout.world.cpus : [], presenter: presenter,
      functions: layout.functions, message: notice, lateMessage: lateNotice, kernel: kernelNarration(theme),
      question: askedQuestion,
      focused: focusShown == .steps, theme: theme, still: options.still, scroll: narrationOffset, account: account,
      tabToScroll: focus != .steps)
  }

  func inspector(_ theme: Theme) -> Inspector {
    let subject: Inspector.Subject
    switch (focus, selected(focus)) {
    case (.forest, _) where forestView == .diagram:
      switch diagramView.selection {
      case .vma(let v): subject = .vma(v)
      case .anonVMA(let a): subject = .anonVMA(a)
      case .process(let p), .fold(let p): subject = .process(p)
      case .page(let page): subject = .page(page)
      case .stableNode(let k): subject = .stableNode(k)
      case nil: subject = .nothing
      }
    case (.vmas, .vma(let id)?): subject = .vma(id)
    case (.forest, .anonVMA(let a)?): subject = .anonVMA(a)
    default: subject = .nothing
    }
    return Inspector(
      subject: subject, world: layout.world, previous: layout.previous, steps: timeline.steps,
      kernel: kernelInspector(subject),
      lockMoment: layout.lockMoment, theme: theme)
  }
}
