import AnonVMASim
import ScenePlayer
import TermRender

/// The minimum terminal size the full layout needs.
public let minimumSize = (width: 60, height: 16)

extension AppState {
  /// The frame at a size. Pure: the same state and size give the same buffer.
  ///
  /// With a comparison model, the two models are drawn one above the other, in lockstep.
  public func render(width: Int, height: Int) -> Buffer {
    guard layoutsCurrent else {
      // An input changed without the reducer: lay out for this frame only.
      var fresh = self
      fresh.refreshLayout()
      return fresh.render(width: width, height: height)
    }
    var b = Buffer(width: width, height: height)
    if let other = compareTimeline, let lower = compareLayout, height >= 2 * minimumSize.height,
      width >= minimumSize.width
    {
      var bottom = AppState(comparing: other, fileName: fileName, options: options, layout: lower)
      bottom.forestView = forestView
      bottom.message = other.stepCount < step ? "this model stopped at step \(other.stepCount)" : nil
      render(in: Rect(x: 0, y: 0, width: width, height: height / 2), into: &b)
      bottom.render(in: Rect(x: 0, y: height / 2, width: width, height: height - height / 2), into: &b)
    } else {
      render(in: b.area, into: &b)
    }
    if !options.colors { b.style(b.area) { $0 = $0.withoutColor } }
    return b
  }

  /// One model's frame in an area: header, the VMA and forest panes, narration, status line and
  /// the overlay, composed from the widgets under Views/.
  func render(in area: Rect, into b: inout Buffer) {
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
    let statusY = area.maxY - 1
    let (body, narrationRect) = frameRows(in: area)
    let leftW = min(48, max(30, area.width * 2 / 5))
    let w = layout.world
    let covered = Marks.lockedForest(w)
    header(theme).render(in: Rect(x: area.x, y: area.y, width: area.width, height: 1), into: &b)
    let selectedVMA = focus == .vmas ? selected(.vmas) : nil
    if let pane = diagramPane(in: area), let diagrams = layout.diagram {
      DiagramPane(state: self, diagrams: diagrams, pane: pane, theme: theme).render(in: body, into: &b)
    } else {
      VMAPane(
        layout: layout, covered: covered, selectedVMA: selectedVMA,
        focused: focus == .vmas, theme: theme
      ).render(in: Rect(x: body.x, y: body.y, width: leftW, height: body.height), into: &b)
      ForestPane(
        layout: layout, covered: covered,
        selectedAV: focus == .forest ? selected(.forest) : nil, treeLayout: forestView == .tree,
        focused: focus == .forest,
        theme: theme
      ).render(in: Rect(x: body.x + leftW, y: body.y, width: body.width - leftW, height: body.height), into: &b)
      if let note = diagramFallbackNote(in: area) {
        b.put(note, x: body.x + leftW + 2, y: body.maxY - 1, style: theme.hint, maxX: body.maxX - 1)
      }
    }
    narration(theme).render(in: narrationRect, into: &b)
    StatusBar(
      prompt: prompt, hints: options.ascii ? Keymap.asciiHints : Keymap.unicodeHints, playing: playing, cpus: w.cpus,
      totals: layout.totals, kernel: timeline.kernel,
      step: step, stepCount: timeline.stepCount, theme: theme
    ).render(in: Rect(x: area.x, y: statusY, width: area.width, height: 1), into: &b)
    switch overlay {
    case .help: HelpOverlay(keys: validKeys, theme: theme).render(in: area, into: &b)
    case .inspector: inspector(theme).render(in: area, into: &b)
    case nil: break
    }
  }

  /// The rows of a model's frame below the header and above the status line: the body (the
  /// panes) and the narration.
  func frameRows(in area: Rect) -> (body: Rect, narration: Rect) {
    let narrH = max(6, min(10, area.height / 4)) + (presenter ? 2 : 0)
    let narrTop = area.maxY - 1 - narrH
    return (
      Rect(x: area.x, y: area.y + 1, width: area.width, height: narrTop - area.y - 1),
      Rect(x: area.x, y: narrTop, width: area.width, height: narrH)
    )
  }

  /// The object selected in a pane (a VMA or anon_vma id), if any.
  func selected(_ pane: Pane) -> Int? {
    selectable(pane).dropFirst(selection[pane] ?? 0).first
  }

  func header(_ theme: Theme) -> Header {
    Header(
      title: timeline.title, kernel: timeline.kernel, variants: timeline.variants, explore: explore, fileName: fileName,
      step: step, stepCount: timeline.stepCount, theme: theme)
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
      functions: layout.functions, message: message, focused: focus == .steps, theme: theme)
  }

  func inspector(_ theme: Theme) -> Inspector {
    let subject: Inspector.Subject
    switch (focus, selected(focus)) {
    case (.forest, _) where forestView == .diagram:
      switch diagramView.selection {
      case .vma(let v): subject = .vma(v)
      case .anonVMA(let a): subject = .anonVMA(a)
      case .process(let p), .fold(let p): subject = .process(p)
      case nil: subject = .nothing
      }
    case (.vmas, let id?): subject = .vma(id)
    case (.forest, let a?): subject = .anonVMA(a)
    default: subject = .nothing
    }
    return Inspector(subject: subject, world: layout.world, steps: timeline.steps, theme: theme)
  }
}
