import AnonVMASim
import SafeText
import SceneScript

/// A small model checker over the engine's micro-steps: breadth-first search of every
/// interleaving of the operations a scene puts on several CPUs, with equivalent states explored
/// once, invariants checked after every micro-step, and the shortest schedule to each violation.
public struct RaceExplorer {
  /// One violation and the shortest schedule (CPU ids, one per micro-step) that reaches it.
  public struct Finding: Sendable {
    public var code: String
    public var message: String
    public var schedule: [Int]
    /// The event of each micro-step of the schedule (nil for an attempt that deadlocked).
    public var events: [Event?]
  }

  /// What a search found.
  public struct Report: Sendable {
    public var states: Int
    /// Transitions (micro-steps) tried.
    public var transitions: Int
    /// Complete schedules: states where every operation has completed or deadlocked.
    public var schedules: Int
    public var exhaustive: Bool
    /// What ended a search that is not exhaustive, with the option that raises it.
    public var stoppedBy: String?
    public var findings: [Finding]
    /// Micro-steps the model refused (it threw: the operation cannot go on in that state, a
    /// schedule the kernel cannot take); the search does not continue past them.
    public var refused: Int
    /// The shortest schedule that ends in a refused micro-step, for the summary.
    public var firstRefusal: Refusal?
  }

  /// A micro-step the model refused, with the schedule that led to it.
  public struct Refusal: Sendable {
    public var message: String
    public var schedule: [Int]
    public var events: [Event?]
  }

  /// The state after the setup and the `on CPU begin` lines.
  public let initial: World
  public let timeline: Timeline
  /// The setup and begin lines the search starts after (`on CPU run` as `begin`), replayed by each
  /// counterexample.
  public let prefix: [LocatedStatement]

  /// Prepares a search: runs the scene up to and including its `on CPU begin` lines.
  ///
  /// - Returns: nil with a diagnostic when the scene has no `on CPU begin` line or fails.
  public static func prepare(
    scene: Scene, title: String, kernel: KernelVersion?, variants: [Variant]?, limits: Limits = Limits()
  ) -> Result<RaceExplorer, Diagnostic> {
    var header = Scene(statements: [], diagnostics: [])
    header.statements = scene.statements.filter {
      switch $0.statement {
      case .title, .kernel, .variant, .cpus: return true
      default: return false
      }
    }
    var timeline = Timeline(scene: header, defaultTitle: title, kernel: kernel, variants: variants, limits: limits)
    var prefix: [LocatedStatement] = []
    var sawBegin = false
    for s in scene.statements {
      var isBegin = false
      switch s.statement {
      case .title, .kernel, .variant, .cpus, .expect, .ask, .say, .note, .chapter:
        continue
      case .on(_, .begin), .on(_, .run):
        isBegin = true
      default:
        break
      }
      if sawBegin && !isBegin { break }
      var statement = s
      if case .on(let cpu, .run(let op)) = s.statement { statement.statement = .on(cpu: cpu, .begin(op)) }
      if case .failure(let d) = timeline.append(statement) { return .failure(d) }
      prefix.append(statement)
      sawBegin = sawBegin || isBegin
    }
    guard sawBegin else {
      return .failure(
        Diagnostic(
          .nothingOnCPUs, .error, "the scene puts no operation on a CPU",
          help: .hint("add 'on cpuN begin OPERATION' lines after the setup"), at: SourceLocation(line: 1, column: 1)))
    }
    guard let initial = timeline.states.last else {
      return .failure(Diagnostic(.emptyScene, .error, "empty scene", at: SourceLocation(line: 1, column: 1)))
    }
    return .success(RaceExplorer(initial: initial, timeline: timeline, prefix: prefix))
  }

  /// The default bound on the search's work: transitions tried, each weighted by the size of
  /// the world and programs it copies, hashes and checks. About 15 s of a release build on a
  /// 2-core machine (8 CPUs faulting 64 pages each: 75k states); the race scenes under scenes/
  /// use less than a thousandth of it.
  public static let defaultMaxWork = 200_000_000

  /// Breadth-first search; stops after `maxStates` states, at `maxDepth` micro-steps, after
  /// `maxWork` (transitions weighted by world size) or when the timeline's memory limit is reached.
  public func explore(maxStates: Int = 100_000, maxDepth: Int = 10_000, maxWork: Int = defaultMaxWork) -> Report {
    struct Node {
      var world: World
      var parent: Int
      var cpu: Int
      var event: Event?
      var depth: Int
    }
    var nodes: [Node] = [Node(world: initial, parent: -1, cpu: -1, event: nil, depth: 0)]
    // A world's identity is its kernel state: `==` and hashing ignore its bookkeeping (step,
    // reports, what changed) and settings, so a set of worlds deduplicates states.
    var seen: Set<World> = [initial]
    var queue = 0
    var findings: [String: Finding] = [:]
    var order: [String] = []
    var transitions = 0
    var schedules = 0
    var exhaustive = true
    var refused = 0
    var firstRefusal: Refusal?
    var work = 0
    var stoppedBy: String?
    let baseline = Set(initial.violations.map(\.code))

    func path(_ index: Int) -> (schedule: [Int], events: [Event?]) {
      var schedule: [Int] = []
      var events: [Event?] = []
      var i = index
      while i > 0 {
        schedule.append(nodes[i].cpu)
        events.append(nodes[i].event)
        i = nodes[i].parent
      }
      return (schedule.reversed(), events.reversed())
    }

    func path(_ index: Int, then cpu: Int, _ event: Event?) -> (schedule: [Int], events: [Event?]) {
      let p = path(index)
      return (p.schedule + [cpu], p.events + [event])
    }

    /// Records the violations a transition reported (those past the first `old` of its world).
    func record(_ violations: [Violation], since old: Int, path: () -> (schedule: [Int], events: [Event?])) {
      guard violations.count > old else { return }
      for v in violations[old...] where !baseline.contains(v.code) && findings[v.code] == nil {
        let p = path()
        findings[v.code] = Finding(code: v.code, message: v.message, schedule: p.schedule, events: p.events)
        order.append(v.code)
      }
    }

    let limits = timeline.limits
    search: while queue < nodes.count {
      let node = nodes[queue]
      let index = queue
      queue += 1
      if queue % 256 == 0 {
        if let exceeded = limits.memoryExceeded() {
          stoppedBy = exceeded
          break search
        }
        guard limits.proceed(seen.count, of: maxStates) else {
          stoppedBy = "an interrupt (ctrl-C)"
          break search
        }
      }
      if work > maxWork {
        stoppedBy = "the work budget of \(grouped(maxWork)) units (transitions by world size); raise it with --max-work"
        break search
      }
      var moved = false
      if node.depth >= maxDepth {
        exhaustive = false
        stoppedBy = stoppedBy ?? "the bound of \(grouped(maxDepth)) micro-steps per schedule; raise it with --depth"
        continue
      }
      for cpu in node.world.cpus.indices {
        let state = node.world.cpus[cpu].state
        guard state == .running || state == .blocked else { continue }
        var next = node.world
        // The search's own work budget bounds the search; a world's counter bounds one micro-step
        // here (left to add up along a schedule, a long one would be refused as a whole scene is).
        next.work.value = 0
        let outcome: MicroOutcome
        do {
          outcome = try next.microStep(cpu: cpu)
        } catch {
          // The model cannot run this micro-step here (an operation whose process is gone, a
          // page no longer there): the schedule is not one the kernel can take. Counted and
          // shown, never dropped silently.
          refused += 1
          if firstRefusal == nil {
            let p = path(index)
            firstRefusal = Refusal(message: error.message, schedule: p.schedule + [cpu], events: p.events + [nil])
          }
          continue
        }
        transitions += 1
        // What the transition costs: copying, hashing and checking the world and the CPUs'
        // programs (a CPU about to fault in 64 pages carries 64 instructions).
        work += 1 + next.size + next.cpus.reduce(0) { $0 + $1.program.count }
        var event: Event?
        switch outcome {
        case .progressed(let e): event = e
        case .deadlocked: event = nil
        case .blocked, .idle: continue
        }
        moved = true
        next.checkInvariants(everything: true)
        // A violation belongs to the transition, not to the state: the same state may have been
        // reached before by a schedule that broke nothing (the identity ignores reports), so
        // every transition's reports are recorded before the state is deduplicated.
        record(next.violations, since: node.world.violations.count, path: { path(index, then: cpu, event) })
        if seen.contains(next) {
          continue
        }
        if seen.count >= maxStates {
          exhaustive = false
          stoppedBy = stoppedBy ?? "the bound of \(grouped(maxStates)) states; raise it with --max-states"
          continue
        }
        seen.insert(next)
        nodes.append(Node(world: next, parent: index, cpu: cpu, event: event, depth: node.depth + 1))
      }
      if !moved {
        schedules += 1
        // Nobody can move although some operation is unfinished: CPUs wait on each other.
        if node.world.cpus.contains(where: { $0.state == .blocked }) && findings["C18"] == nil
          && !baseline.contains("C18")
        {
          let p = path(index)
          findings["C18"] = Finding(
            code: "C18", message: "no CPU can move: they wait on each other's locks", schedule: p.schedule,
            events: p.events)
          order.append("C18")
        }
      }
    }
    if stoppedBy != nil { exhaustive = false }
    return Report(
      states: seen.count, transitions: transitions, schedules: schedules, exhaustive: exhaustive, stoppedBy: stoppedBy,
      findings: order.compactMap { findings[$0] }, refused: refused, firstRefusal: firstRefusal)
  }

  /// A scene that replays a finding: the setup, the begins, one `on cpuN step` per micro-step
  /// (with a `say` naming the kernel function), then `expect violation CODE`.
  public func counterexample(_ f: Finding, source: String) -> String {
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    var out = "# Found by 'anonvis races': the shortest schedule that reaches \(f.code).\n"
    out += "title \(Lexer.quote("\(timeline.title): \(f.code)"))\n"
    out += "kernel \(timeline.kernel.rawValue)\n"
    for v in timeline.variants { out += "variant \(v.rawValue)\n" }
    out += "cpus \(timeline.cpuCount)\n\n"
    for s in prefix {
      let line = s.location.line - 1
      out += (line < lines.count ? lines[line].trimmingCharacters : Timeline.label(s.statement)) + "\n"
    }
    out += "\nchapter \"The schedule\"\n"
    for (i, cpu) in f.schedule.enumerated() {
      out += "on cpu\(cpu) step\n"
      if i < f.events.count, let e = f.events[i] {
        out += "say \(Lexer.quote("cpu\(cpu) \(e.function): \(e.text)"))\n"
      } else {
        out += "say \"cpu\(cpu) waits for a lock it cannot get\"\n"
      }
    }
    if f.code == "C18" {
      // Let every stuck CPU try again, so the wait-for cycle is seen.
      var world = initial
      for cpu in f.schedule { _ = try? world.microStep(cpu: cpu) }
      for c in world.cpus where c.state == .running || c.state == .blocked { out += "on \(c.name) step\n" }
    }
    out += "say \(Lexer.quote("\(f.code): \(f.message)"))\n"
    out += "expect violation \(f.code)\n"
    return out
  }

}

extension String {
  var trimmingCharacters: String {
    var s = Substring(self)
    while let f = s.first, f == " " || f == "\t" || f == "\r" { s = s.dropFirst() }
    while let l = s.last, l == " " || l == "\t" || l == "\r" { s = s.dropLast() }
    return String(s)
  }
}
