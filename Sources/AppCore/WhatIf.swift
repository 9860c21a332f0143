import AnonVMASim
import ScenePlayer
import SceneScript

/// What-if: `:` in play branches an explore session from the step on screen. The scene's steps up
/// to it become the session's history (its `:w` saves them with what was typed after), the
/// steps after it are left behind, and the typed operation runs as the branch's next step.
extension AppState {
  /// `:` then an operation while playing a scene: branch here and run it. A line that does not
  /// run (a typo, an operation the state refuses) leaves the scene as it was, with the error.
  mutating func whatIf(_ text: String) -> [Effect] {
    let line = text.trimmingSpaces
    if line.isEmpty { return [] }
    if line == "q" { return [.quit] }
    if let effects = sessionCommand(line) { return effects }
    let before = snapshot
    var branch = self
    if let error = branch.branch() {
      notice = .error("what-if: cannot branch here: \(error)")
      return []
    }
    let effects = branch.command(line)
    guard !effects.isEmpty else {
      if branch.warnedLine == line {
        // A warning before the line runs: Enter again runs it (in a branch made then).
        warnedLine = line
        notice = branch.notice
        prompt = .whatIf(line)
        return []
      }
      notice = .error((branch.message ?? "error") + " (no what-if branch made)")
      return []
    }
    // `u` goes back to the scene as it was played, not to the branch's empty start.
    if !branch.history.undo.isEmpty { branch.history.undo[branch.history.undo.count - 1] = before }
    self = branch
    if let ran = notice, ran.text.hasPrefix("ran: ") {
      notice = Notice(
        "what-if from step \(branchedAt ?? 0): \(ran.text) (u goes back to the scene, :w FILE saves the branch)",
        kind: ran.kind)
    }
    return effects
  }

  /// Turns the session into an explore session whose history is steps 1...step of the scene, on
  /// the same model, variants, CPUs and limits. Returns why not, if the history does not replay.
  mutating func branch() -> String? {
    let lines = historyLines(through: step)
    var branched = Timeline(
      title: timeline.title, kernel: timeline.kernel, variants: timeline.variants, cpus: timeline.cpuCount,
      limits: timeline.limits)
    let parsed = Parser.parse(lines.joined(separator: "\n"), check: false)
    if let d = parsed.diagnostics.first { return d.message }
    for s in parsed.statements {
      if case .failure(let d) = branched.append(s) { return d.message }
    }
    guard branched.stepCount == step else { return "the history replays to step \(branched.stepCount)" }
    let from = step
    timeline = branched
    explore = true
    exploreLines = lines
    branchedAt = from
    playing = false
    playClock = 0
    go(to: from)
    layout = Layout(timeline: timeline, key: layoutKey, microSteps: nil)
    // The branch is the scene now: a comparison runs it on the other model.
    scene = Parser.parse(exploreScene, check: false)
    setCompare(compareTimeline?.kernel)
    return nil
  }

  /// Adds statements run in a what-if branch to its scene, and runs the comparison model (if
  /// any) on it again. Explore sessions that did not branch have no scene and are not compared.
  mutating func extendScene(with statements: [LocatedStatement]) {
    guard scene != nil else { return }
    scene?.statements += statements
    if let kernel = compareTimeline?.kernel { setCompare(kernel) }
  }

  /// The scene lines of steps 1...last: each step's chapter, its operation and its `say` and
  /// `note` lines (those of step 0 first), as a scene file writes them.
  func historyLines(through last: Int) -> [String] {
    var lines: [String] = []
    for k in 0...last {
      let info = timeline.steps[k]
      if k > 0 {
        for c in timeline.chapters where c.step == k { lines.append("chapter \(Lexer.quote(c.title))") }
        lines.append(info.label)
      }
      lines += info.say.map { "say \(Lexer.quote($0))" } + info.notes.map { "note \(Lexer.quote($0))" }
    }
    return lines
  }
}

/// A point an explore session returns to with `u` (undo) or ctrl-r (redo): the whole session as
/// it was before (or after) one typed line ran, the scene played before a what-if branch included.
struct ExploreSnapshot: Sendable {
  var timeline: Timeline
  var step: Int
  var explore: Bool
  var exploreLines: [String]
  var branchedAt: Int?
  var scene: Scene?
  var compare: KernelVersion?
}

/// The undo and redo stacks of whole steps: a typed line that runs pushes the session before it
/// on `undo` and clears `redo`; `:w` saves the branch on screen (the lines of the session now).
struct UndoHistory: Sendable {
  var undo: [ExploreSnapshot] = []
  var redo: [ExploreSnapshot] = []
}

extension AppState {
  var snapshot: ExploreSnapshot {
    ExploreSnapshot(
      timeline: timeline, step: step, explore: explore, exploreLines: exploreLines, branchedAt: branchedAt,
      scene: scene, compare: compareTimeline?.kernel)
  }

  /// Puts a snapshot back: its timeline, step and lines; the layouts and plans are made anew.
  mutating func restore(_ s: ExploreSnapshot) {
    timeline = s.timeline
    explore = s.explore
    exploreLines = s.exploreLines
    branchedAt = s.branchedAt
    scene = s.scene
    playing = false
    step = min(s.step, timeline.stepCount)
    micro = nil
    card = nil
    asking = nil
    diagramPlan = nil
    layout = Layout(timeline: timeline, key: layoutKey, microSteps: nil)
    setCompare(s.compare)
  }

  /// Whether `u` / ctrl-r have something to take back or run again.
  public var canUndo: Bool { !history.undo.isEmpty }
  public var canRedo: Bool { !history.redo.isEmpty }

  /// `u`, `:undo`: back to the session before the last line that ran (before a what-if branch:
  /// the scene as it was played).
  mutating func undo() {
    guard let previous = history.undo.popLast() else {
      notice = .warning("nothing to undo")
      return
    }
    let undone = exploreLines.last
    history.redo.append(snapshot)
    restore(previous)
    message =
      (explore ? "undone: \(undone ?? "")" : "undone: back to the scene at step \(step)") + " (ctrl-r or :redo redoes)"
  }

  /// ctrl-r, `:redo`: runs again what `u` took back.
  mutating func redo() {
    guard let next = history.redo.popLast() else {
      notice = .warning("nothing to redo")
      return
    }
    history.undo.append(snapshot)
    restore(next)
    message = "redone: \(exploreLines.last ?? "")"
  }

  /// Why a line that ran in `trial` should be confirmed first: a CPU it leaves blocked or
  /// deadlocked that was not before, with the lock it waits for and who holds it.
  static func blockWarning(from before: Timeline, to trial: Timeline) -> String? {
    let old = before.states[before.stepCount].cpus
    let w = trial.states[trial.stepCount]
    for c in w.cpus where c.state == .blocked || c.state == .deadlocked {
      if c.id < old.count, old[c.id].state == c.state { continue }
      var text = "would \(c.state == .deadlocked ? "deadlock" : "block") \(c.name)"
      if let lock = c.waitingFor {
        let holders = (w.lockHolders[lock] ?? []).map { "cpu\($0.cpu)" }.joined(separator: ", ")
        text += " (it waits for \(World.avName(lock))'s lock" + (holders.isEmpty ? ")" : ", held by \(holders))")
      }
      return text
    }
    return nil
  }
}
