import AnonVMASim
import ScenePlayer
import SceneScript
import TermRender

extension AppState {
  /// The Elm-style update: applies an action and returns the effects the runtime must run.
  public mutating func reduce(_ action: AppAction) -> [Effect] {
    defer { refreshLayout() }
    switch action {
    case .selectMicro(let index):
      selectMicro(index)
      return []
    case .tick(let seconds):
      guard playing else { return [] }
      playClock += seconds
      var effects: [Effect] = []
      while playClock >= pace {
        playClock -= pace
        if step < timeline.stepCount {
          let before = step
          advance()
          if step != before { effects.append(.stepChanged(step)) }
          // Play stops at a question: the audience answers before the step runs.
          if asking?.revealed == false {
            playing = false
            playClock = 0
            break
          }
          if endOfChapter {
            playing = false
            playClock = 0
            message = "end of the chapter: p plays on"
            break
          }
        }
        if step >= timeline.stepCount {
          playing = false
          playClock = 0
          break
        }
      }
      return effects
    case .mouse(let event, let width, let height):
      handleMouse(event, width: width, height: height)
      return []
    case .key(let key):
      if let prompt { return handlePrompt(prompt, key) }
      if let overlay {
        switch key {
        // The help lists `q quit`: there q quits; the inspector (`enter or esc closes`) closes.
        case .char("q") where overlay == .help: return [.quit]
        case .escape, .char("q"), .enter: self.overlay = nil
        case .char("?") where overlay == .help: self.overlay = nil
        case .down, .char("j"), .pageDown, .up, .char("k"), .pageUp: if overlay == .help { scrollHelp(key) }
        default: break
        }
        return []
      }
      return handleKey(key)
    }
  }

  /// Moves to a step (whole step, not a micro-step).
  public mutating func go(to target: Int) {
    step = max(0, min(timeline.stepCount, target))
    diagramView.revealChanges = true
    card = nil
    asking = nil
    leaveMicroSteps()
    message = nil
    refreshLayout()
  }

  /// Shows micro-step `index` (0-based) of the step on screen, or the whole step (nil or out of
  /// range; `layout.microStepCount` then tells how many there are).
  mutating func selectMicro(_ index: Int?) {
    let count = loadMicroSteps()
    micro = index.flatMap { (0..<count).contains($0) ? $0 : nil }
  }

  mutating func handleKey(_ key: Key) -> [Effect] {
    guard let binding = Keymap.binding(for: key) else { return [] }
    let before = step
    if binding.command == .quit { return [.quit] }
    if handleCardKey(binding.command) { return [] }
    // A step, jump or micro-step key while playing pauses: the user has taken over.
    if playing, binding.command.movesInTime(focus: focus) {
      playing = false
      playClock = 0
    }
    perform(binding.command)
    return step != before ? [.stepChanged(step)] : []
  }

  /// ↓/j, ↑/k and the page keys scroll the `?` help (the overlay stops where its last row shows).
  mutating func scrollHelp(_ key: Key) {
    let delta = key == .pageDown ? 10 : key == .pageUp ? -10 : key == .down || key == .char("j") ? 1 : -1
    // A key's help wraps to at most three lines at 60 columns; the overlay stops at its last line.
    helpScroll = max(0, min(3 * validKeys.count, helpScroll + delta))
  }

  /// Runs a key's command (`Keymap`).
  mutating func perform(_ command: KeyCommand) {
    // The legend, while open, takes the scroll keys (its title and the status hints say so).
    if legendOpen {
      let by: Int? =
        switch command {
        case .down: 1
        case .up: -1
        case .pageDown: 10
        case .pageUp: -10
        default: nil
        }
      if let by {
        diagramView.legendScroll = max(0, diagramView.legendScroll + by)
        return
      }
    }
    switch command {
    case .quit: break
    case .nextStep:
      // At an end a step key goes nowhere (from a micro-step, to the whole step, as before): it
      // says which end this is.
      if step >= timeline.stepCount && asking == nil {
        go(to: step)
        notice = .warning("the last step (\(step)/\(timeline.stepCount))")
      } else {
        advance()
      }
    case .reveal: reveal()
    case .undo: undo()
    case .redo: redo()
    case .previousStep:
      if step <= 0 && asking == nil {
        go(to: 0)
        notice = .warning("the first step (0/\(timeline.stepCount))")
      } else {
        go(to: step - 1)
      }
    case .microForward: microForward()
    case .microBackward: microBackward()
    case .leaveMicro:
      leaveMicroSteps()
      message = nil
      if let back = findReturn {
        findReturn = nil
        // The diagram holds the VMAs: the VMA pane is not drawn there.
        focus = forestView == .diagram && back == .vmas ? .forest : back
      }
    case .down: if focus == .steps { microForward() } else { moveSelection(1) }
    case .up: if focus == .steps { microBackward() } else { moveSelection(-1) }
    case .pageDown:
      if focus == .steps { scrollNarration(1) } else if diagramFocused { pageDiagram(1) } else { moveSelection(10) }
    case .pageUp:
      if focus == .steps { scrollNarration(-1) } else if diagramFocused { pageDiagram(-1) } else { moveSelection(-10) }
    case .firstStep: go(to: 0)
    case .lastStep: go(to: timeline.stepCount)
    case .jump: prompt = .jump("")
    case .find: prompt = .find("")
    case .focusNext: cycleFocus(1)
    case .focusPrevious: cycleFocus(Pane.allCases.count - 1)
    case .inspect:
      if diagramFocused ? diagramView.selection != nil : focus != .steps && !selectable(focus).isEmpty {
        overlay = .inspector
      }
    case .cycleView:
      forestView = forestView.next
      // The diagram holds the VMAs: the focus goes where the arrows act on what is drawn.
      if forestView == .diagram && focus == .vmas { focus = .forest }
    case .pin: togglePin()
    case .legend:
      guard diagramDrawn || diagramView.legend else {
        // The legend explains the diagram: another view, or a pane too narrow to draw it.
        notice = .warning(
          forestView == .diagram
            ? "no legend here: the diagram needs a pane of 80 columns; the matrix explains its glyphs"
            : "the legend explains the diagram: v switches to it")
        return
      }
      diagramView.legend.toggle()
      diagramView.legendScroll = 0
    case .toggleFolding:
      let foldedBefore = foldsShown
      let diagramFolds = forestView == .diagram && layout.diagram?.folded != nil
      folding.toggle()
      selection[.vmas] = 0
      refreshLayout()
      if !foldedBefore, !foldsShown {
        // Nothing changes on screen: `z` changes nothing (no hidden state for a later step).
        folding.toggle()
        refreshLayout()
        let now = "folding stays \(folding ? "on" : "off")"
        notice = .warning(
          diagramFolds || (forestView == .diagram && layout.diagram?.folded != nil)
            ? "nothing to fold: the whole diagram fits the pane (\(now); it folds when the forest outgrows the pane)"
            : "nothing to fold at this step: no 3 identical sibling subtrees (\(now))")
      }
    case .compare: cycleCompare()
    case .presenter: presenter.toggle()
    case .faster: changePace(faster: true)
    case .slower: changePace(faster: false)
    case .play:
      // At the last step play would start over: the lecturer's place is kept until `p` again.
      if step >= timeline.stepCount && !playing {
        guard message == Self.playFromStart else {
          message = Self.playFromStart
          return
        }
        go(to: 0)
      }
      playing.toggle()
      playClock = 0
    case .help:
      overlay = .help
      helpScroll = 0
    case .command:
      prompt = explore ? .command("") : .whatIf("")
    }
  }

  /// Runs the scene side by side on the next kernel model (none → the others in turn → none).
  /// Where the terminal (as the last frame drew it) holds one model only, it cycles no model it
  /// could not show: it says the size a comparison needs, and turns one that is on off.
  public mutating func cycleCompare() {
    guard scene != nil else {
      notice = .error("compare needs a scene file (anonvis play FILE)")
      return
    }
    if let size = lastFrameSize, !compareFits(width: size.width, height: size.height) {
      let needs = compareNeeds(width: size.width, height: size.height)
      if let other = compareTimeline?.kernel {
        setCompare(nil)
        notice = Notice("comparison with \(other.rawValue) off: it needs \(needs)")
      } else {
        notice = .warning("no room to compare: it needs \(needs)")
      }
      return
    }
    // A scene with a variant is first compared with its own model without the variant.
    let others =
      (timeline.variants.isEmpty ? [] : [timeline.kernel]) + KernelVersion.allCases.filter { $0 != timeline.kernel }
    let next: KernelVersion?
    if let current = compareTimeline?.kernel, let i = others.firstIndex(of: current) {
      next = i + 1 < others.count ? others[i + 1] : nil
    } else {
      next = others.first
    }
    setCompare(next)
  }

  /// Sets the side-by-side model (nil: none).
  public mutating func setCompare(_ kernel: KernelVersion?) {
    // A new comparison (or scene: a what-if branch) is worked out anew, whatever the keys.
    compareView = nil
    compareLayout = nil
    defer { refreshLayout() }
    guard let kernel, let scene else {
      compareTimeline = nil
      return
    }
    let other = Timeline(scene: scene, defaultTitle: timeline.title, kernel: kernel, limits: timeline.limits)
    compareTimeline = other
    if let d = other.runtimeDiagnostics.first {
      notice = .warning("on \(kernel.rawValue) the scene stops at step \(other.stepCount): \(d.message)")
    }
  }

  mutating func microForward() {
    guard step >= 1 else { return }
    let count = loadMicroSteps()
    guard count > 0 else { return }
    if let m = micro {
      micro = min(count - 1, m + 1)
    } else {
      diagramView.stepWindow = [diagramView.top, diagramView.left]
      micro = 0
    }
  }

  mutating func microBackward() {
    guard let m = micro else { return }
    if m == 0 { leaveMicroSteps() } else { micro = m - 1 }
  }

  /// Back to the whole step, its diagram window where it was before the micro-steps moved it.
  mutating func leaveMicroSteps() {
    if micro != nil, let window = diagramView.stepWindow, window.count == 2 {
      diagramView.top = window[0]
      diagramView.left = window[1]
    }
    diagramView.stepWindow = nil
    micro = nil
  }

  mutating func moveSelection(_ delta: Int) {
    if diagramFocused { return moveDiagramSelection(delta) }
    let count = selectable(focus).count
    guard count > 0 else { return }
    let current = selection[focus] ?? 0
    selection[focus] = max(0, min(count - 1, current + delta))
  }

  mutating func handlePrompt(_ p: Prompt, _ key: Key) -> [Effect] {
    var text: String
    switch p {
    case .jump(let t), .command(let t), .find(let t), .whatIf(let t): text = t
    }
    switch key {
    case .escape:
      prompt = nil
      warnedLine = nil
      return []
    case .tab:
      completePrompt(p, text)
      return []
    case .backspace:
      if text.isEmpty {
        prompt = nil
        return []
      }
      text.removeLast()
    case .char(let c):
      if text.count < 500 { text.append(c) }
    case .enter:
      prompt = nil
      switch p {
      case .jump: return jump(text)
      case .command: return command(text)
      case .find:
        let before = focus
        let effects = find(text)
        // The focus followed what was found: esc takes it back to where `/` was pressed.
        if focus != before { findReturn = findReturn ?? before }
        if findReturn == focus { findReturn = nil }
        return effects
      case .whatIf: return whatIf(text)
      }
    default:
      return []
    }
    switch p {
    case .jump: prompt = .jump(text)
    case .command: prompt = .command(text)
    case .find: prompt = .find(text)
    case .whatIf: prompt = .whatIf(text)
    }
    return []
  }

  /// `/` then a process, VMA id, anon_vma or page name: select it (off screen or not). These
  /// views select no page: a page selects the first VMA mapping it (else its anon_vma).
  mutating func find(_ text: String) -> [Effect] {
    let name = text.trimmingSpaces
    if forestView == .diagram { return findInDiagram(name) }
    let w = world
    let vmas = selectable(.vmas).compactMap(\.vma)
    let avs = selectable(.forest).compactMap(\.anonVMA)
    if let i = vmas.firstIndex(where: { w.vmaName($0) == name }) {
      focus = .vmas
      selection[.vmas] = i
    } else if let p = w.processIndex(named: name), let i = vmas.firstIndex(where: { w.vmas[$0]?.process == p }) {
      focus = .vmas
      selection[.vmas] = i
    } else if let id = World.anonVMAID(named: name), let i = avs.firstIndex(of: id) {
      focus = .forest
      selection[.forest] = i
    } else if let id = World.pageID(named: name), w.isAllocated(id), !w[page: id].freed,
      let v = ForestDiagram.mappers(of: id, in: w).first, let i = vmas.firstIndex(of: v)
    {
      // These views select no page: the first VMA that maps it (its inspector shows the page's
      // PTE), said so.
      focus = .vmas
      selection[.vmas] = i
      let filed = if case .anon(let a) = w[page: id].mapping { ", filed in \(World.avName(a))" } else { "" }
      message = "\(name) is mapped by \(w.vmaName(v))\(filed): this view selects its VMA (v: diagram selects pages)"
      return []
    } else if let id = World.pageID(named: name), w.isAllocated(id), case .anon(let a) = w[page: id].mapping,
      let i = avs.firstIndex(of: a)
    {
      focus = .forest
      selection[.forest] = i
      message = "\(name) is filed in \(World.avName(a)), mapped by no PTE: this view selects its anon_vma"
      return []
    } else {
      notice = .warning("nothing named '\(name)' at this step")
      return []
    }
    message = nil
    return []
  }

  /// `g` then a step number or (a prefix of) a chapter title.
  mutating func jump(_ text: String) -> [Effect] {
    switch step(named: text) {
    case .success(let n):
      go(to: n)
      return [.stepChanged(step)]
    case .failure(let e):
      notice = .error(e.message)
      return []
    }
  }

  /// The step a number or (a prefix of, else a part of) a chapter title names, as `g` and
  /// `play --step` read it.
  public func step(named text: String) -> Result<Int, StepNotFound> {
    let trimmed = text.trimmingSpaces
    if let n = Int(trimmed) {
      guard n >= 0, n <= timeline.stepCount else {
        return .failure(StepNotFound(message: "no step \(n): the scene has steps 0..\(timeline.stepCount)"))
      }
      return .success(n)
    }
    let lower = trimmed.lowercased()
    if let chapter = timeline.chapters.first(where: { $0.title.lowercased().hasPrefix(lower) })
      ?? timeline.chapters.first(where: { $0.title.lowercased().contains(lower) })
    {
      return .success(min(chapter.step, timeline.stepCount))
    }
    return .failure(StepNotFound(message: "no step or chapter '\(trimmed)'"))
  }

  /// A `:` command in explore mode: an operation of the scene language, `w FILE` or `q`.
  mutating func command(_ text: String) -> [Effect] {
    let line = text.trimmingSpaces
    if line.isEmpty { return [] }
    if line == "q" { return [.quit] }
    if let effects = sessionCommand(line) { return effects }
    let parsed = Parser.parse(line, check: false)
    if let d = parsed.diagnostics.first {
      notice = .error("error: \(d.message)")
      return []
    }
    // The line runs on a copy first: a line the model refuses changes nothing, and one that
    // would block or deadlock a CPU is run only when Enter confirms it.
    var trial = timeline
    for s in parsed.statements {
      switch s.statement {
      case .title, .kernel, .variant, .cpus:
        notice = .error("error: header statements cannot change in explore mode")
        return []
      default:
        break
      }
      if case .failure(let d) = trial.append(s) {
        notice = .error("error: \(d.message)")
        return []
      }
    }
    if warnedLine != line, let warning = AppState.blockWarning(from: timeline, to: trial) {
      warnedLine = line
      prompt = .command(line)
      notice = .warning("warning: \(line) \(warning); Enter runs it anyway (u takes it back), esc cancels")
      return []
    }
    warnedLine = nil
    history.undo.append(snapshot)
    history.redo = []
    timeline = trial
    exploreLines.append(line)
    go(to: timeline.stepCount)
    extendScene(with: parsed.statements)
    // What running it set up (a comparison that stops early) keeps its kind.
    notice = Notice("ran: \(line)" + (notice.map { "; \($0.text)" } ?? ""), kind: notice?.kind ?? .info)
    return [.stepChanged(step)]
  }

  /// The explore session as a scene file.
  public var exploreScene: String {
    var out = "title \(Lexer.quote(timeline.title))\nkernel \(timeline.kernel.rawValue)\n"
    for v in timeline.variants { out += "variant \(v.rawValue)\n" }
    if timeline.cpuCount > 1 { out += "cpus \(timeline.cpuCount)\n" }
    out += "\n" + exploreLines.joined(separator: "\n") + "\n"
    return out
  }
}

/// A step number or chapter that names no step of the scene.
public struct StepNotFound: Error, Sendable, Hashable {
  public let message: String
}

extension KeyCommand {
  /// Whether the command moves through the scene (a step, a jump, a micro-step, the what-if
  /// prompt): pressed while playing, it pauses.
  func movesInTime(focus: Pane) -> Bool {
    switch self {
    case .nextStep, .previousStep, .microForward, .microBackward, .leaveMicro, .jump, .firstStep, .lastStep, .command:
      return true
    case .down, .up: return focus == .steps
    default: return false
    }
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first == " " || s.first == "\t" { s = s.dropFirst() }
    while s.last == " " || s.last == "\t" { s = s.dropLast() }
    return String(s)
  }
}

extension AppState {
  /// What `p` at the last step says before it plays the scene again from step 0.
  static let playFromStart = "the last step: p again plays from the start"

  /// Whether the forest on screen shows a fold (`×N`): the diagram folds only when the whole one
  /// does not fit its pane (as the last frame drew it); the matrix and the tree whenever folding
  /// is on and identical siblings exist.
  var foldsShown: Bool {
    guard forestView == .diagram, diagramDrawn, let d = layout.diagram else { return layout.hasFolds }
    let shown = d.shown(rows: diagramRows, selection: diagramView.selection)
    return !(shown.processFolds.isEmpty && shown.anonVMAFolds.isEmpty)
  }
}

extension Layout {
  /// Whether a row folds identical sibling subtrees (`×N`).
  var hasFolds: Bool { rows.contains { $0.folded != nil } }
}
