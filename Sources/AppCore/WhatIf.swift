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
    var branch = self
    if let error = branch.branch() {
      message = "what-if: cannot branch here: \(error)"
      return []
    }
    let effects = branch.command(line)
    guard !effects.isEmpty else {
      message = (branch.message ?? "error") + " (no what-if branch made)"
      return []
    }
    self = branch
    if let ran = message, ran.hasPrefix("ran: ") {
      message = "what-if from step \(branchedAt ?? 0): \(ran) (:w FILE saves the branch)"
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
