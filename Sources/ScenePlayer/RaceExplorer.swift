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
    /// The event of each micro-step of the schedule (nil for an attempt that deadlocked, or for an
    /// operation that returned without a last event).
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
    /// The bound that ended a search that is not exhaustive.
    public var stop: Bound?
    /// What ended a search that is not exhaustive, with the option that raises it.
    public var stoppedBy: String? { stop?.phrase }
    /// Every schedule of at most this many micro-steps was covered: its micro-steps checked and
    /// the state it ends in expanded (a deadlock seen); nil when the search is exhaustive.
    public var completeDepth: Int? = nil
    public var findings: [Finding]
    /// Micro-steps the model refused (it threw: the operation cannot go on in that state, a
    /// schedule the kernel cannot take); the search does not continue past them.
    public var refused: Int
    /// The shortest schedule that ends in a refused micro-step, for the summary.
    public var firstRefusal: Refusal?
    /// The probability that two of the states had one fingerprint, so that one was taken for
    /// the other and never expanded (nil for a search that kept whole worlds): n(n-1)/2 pairs,
    /// each equal with probability 2^-64, as TLC estimates it.
    public var omissionProbability: Double? = nil
    /// Which search ran: the full search, or the partial-order reduction.
    public var reduction: Reduction = .none
    /// Whether states equal up to the pages' ids were taken for one (``World/pageNames()``; the
    /// fingerprint search by default).
    public var symmetry = false
    /// States the reduced search expanded by one CPU's micro-step only (an ample set smaller
    /// than the enabled set); 0 for the full search.
    public var reducedExpansions = 0
    /// Bytes the fingerprint search holds for good: the fingerprint table, each state's parent
    /// record and its violations bit (the frontier's worlds, released level by level, not
    /// counted); 0 for the whole-world search.
    public var visitedBytes = 0
    /// States in the fingerprint search's frontier at its widest: the rest of the level being
    /// expanded and the next level so far, as worlds or, beyond `frontierWorlds` a level, as
    /// indices (0 for the whole-world search).
    public var peakFrontier = 0
    /// States of levels wider than the search's `frontierWorlds` whose worlds were rebuilt by
    /// replay, and the micro-steps replayed to rebuild them (0 for the whole-world search).
    public var replayedStates = 0
    public var replayedSteps = 0
  }

  /// Whether a search explores every interleaving or a sound subset of them.
  public enum Reduction: Sendable, Equatable {
    /// Every enabled micro-step of every state (`races --no-reduction`).
    case none
    /// Partial-order reduction by ample sets (``RaceExplorer/ampleCandidate(_:seen:)``).
    case ampleSets
    /// Test only: ample sets without the dependence condition C1 (one CPU's micro-step is taken
    /// alone whatever the others will touch), a deliberately unsound reduction the soundness
    /// test must catch.
    case brokenC1ForTesting
    /// Test only: ample sets without the visibility condition C2 (a micro-step that may change
    /// what an invariant reads is taken alone), unsound: the soundness test must catch it.
    case brokenC2ForTesting

    /// How the report names the search.
    public var name: String {
      switch self {
      case .none: return "full search (every interleaving)"
      case .ampleSets: return "partial-order reduction (ample sets, C0-C3)"
      case .brokenC1ForTesting: return "UNSOUND reduction without C1 (test only)"
      case .brokenC2ForTesting: return "UNSOUND reduction without C2 (test only)"
      }
    }
  }

  /// What ended a search before it was exhaustive.
  public enum Bound: Sendable, Equatable {
    /// `--max-states`: the visited set is full; new states are no longer kept.
    case states(Int)
    /// `--depth`: states this many micro-steps from the start are not expanded.
    case depth(Int)
    /// `--max-work`: transitions weighted by world size.
    case work(Int)
    /// `--max-memory`: the process's resident set (bytes allowed, bytes measured).
    case memory(limit: Int, used: Int)
    /// `--max-time`: the time allowed and the time used since the command started.
    case time(limit: Duration, used: Duration)
    /// The progress sink asked to stop (ctrl-C or SIGTERM).
    case interrupt

    /// Which bound, as in "stopped at the state bound".
    public var name: String {
      switch self {
      case .states: return "state"
      case .depth: return "depth"
      case .work: return "work"
      case .memory: return "memory"
      case .time: return "time"
      case .interrupt: return "interrupt"
      }
    }

    /// The option that raises it (nil for an interrupt).
    public var option: String? {
      switch self {
      case .states: return "--max-states"
      case .depth: return "--depth"
      case .work: return "--max-work"
      case .memory: return "--max-memory"
      case .time: return "--max-time"
      case .interrupt: return nil
      }
    }

    /// The bound with its value and the option that raises it, as the report has said it.
    public var phrase: String {
      switch self {
      case .states(let n): return "the bound of \(grouped(n)) states; raise it with --max-states"
      case .depth(let n): return "the bound of \(grouped(n)) micro-steps per schedule; raise it with --depth"
      case .work(let n):
        return "the work budget of \(grouped(n)) units (transitions by world size); raise it with --max-work"
      case .memory(let limit, _): return "the memory budget of \(limit >> 20) MB; raise it with --max-memory"
      case .time(let limit, _): return "the time bound of \(Self.seconds(limit)) s; raise it with --max-time"
      case .interrupt: return "an interrupt (ctrl-C)"
      }
    }

    /// Seconds with at most three decimals, without trailing zeros ("2", "0.5").
    static func seconds(_ d: Duration) -> String {
      let ms = Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
      let fraction = ms % 1000
      guard fraction != 0 else { return "\(ms / 1000)" }
      var digits = String(fraction + 1000).dropFirst()
      while digits.last == "0" { digits = digits.dropLast() }
      return "\(ms / 1000).\(digits)"
    }
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

  /// The states of a level the fingerprint search keeps as whole worlds (TLC's bounded
  /// in-memory queue); a wider level keeps its states' indices and rebuilds their worlds by
  /// replay (``Replayer``): 64 worlds, about 512 KB. At scale nearly every state is in a wider
  /// level whatever the budget (4x12 COW: 87% of its states with 512), so a larger one costs
  /// memory without saving much time; a small scene's replay costs milliseconds.
  public static let defaultFrontierWorlds = 64

  /// Breadth-first search; stops after `maxStates` states, at `maxDepth` micro-steps, after
  /// `maxWork` (transitions weighted by world size) or when the timeline's memory limit is reached.
  ///
  /// `visited` chooses how states are remembered: by 64-bit fingerprint (the default,
  /// ``exploreFingerprints(maxStates:maxDepth:maxWork:reduction:threads:)``) or as whole worlds (the reference the
  /// tests compare it with, ``exploreWorlds(maxStates:maxDepth:maxWork:)``).
  ///
  /// `reduction` applies to the fingerprint search (the whole-world reference always runs the full
  /// search): partial-order reduction by ample sets by default, `.none` for every interleaving.
  ///
  /// `symmetry` (fingerprint search): states equal up to a renaming of page ids are one state
  /// (``World/pageNames()``); off, the search visits what the whole-world reference visits.
  ///
  /// `threads` (fingerprint search): `threads - 1` helpers work out the micro-steps of the
  /// frontier's next states ahead (``Lookahead``), and the search accounts for them in the
  /// frontier's order, so the report, its findings and their schedules are the same whatever
  /// the number of threads and their timing.
  ///
  /// `frontierWorlds` (fingerprint search): a level of at most this many states keeps their
  /// worlds; a wider one keeps their indices and rebuilds the worlds by replay in the level's
  /// order (0: every level after the first). The report is the same whatever it is.
  public func explore(
    maxStates: Int = 100_000, maxDepth: Int = 10_000, maxWork: Int = defaultMaxWork, visited: Visited = .fingerprints,
    reduction: Reduction = .ampleSets, symmetry: Bool = true, threads: Int = 1,
    frontierWorlds: Int = defaultFrontierWorlds
  ) -> Report {
    switch visited {
    case .fingerprints:
      return exploreFingerprints(
        maxStates: maxStates, maxDepth: maxDepth, maxWork: maxWork, reduction: reduction, symmetry: symmetry,
        threads: max(1, threads), frontierWorlds: max(0, frontierWorlds))
    case .worlds: return exploreWorlds(maxStates: maxStates, maxDepth: maxDepth, maxWork: maxWork)
    }
  }

  /// Why a search stops before expanding its `expanded`th state, if it does: an interrupt, the
  /// time bound (looked at every 64 states), the memory bound (every 256 states: it reads
  /// /proc), or the work budget. `search` says how far it is, for the progress sink.
  func stopReason(expanded: Int, work: Int, maxWork: Int, _ search: @autoclosure () -> SearchProgress) -> Bound? {
    if expanded % 64 == 0 {
      // Copied here only: the limits hold closures, a copy per state retains each.
      let limits = timeline.limits
      guard limits.proceed(search()) else { return .interrupt }
      if let limit = limits.time, let used = limits.timeExceeded() { return .time(limit: limit, used: used) }
      if expanded % 256 == 0, let probe = limits.memoryProbe {
        let used = probe()
        if used > limits.memoryBytes { return .memory(limit: limits.memoryBytes, used: used) }
      }
    }
    return work > maxWork ? .work(maxWork) : nil
  }

  static func depthBound(_ maxDepth: Int) -> Bound { .depth(maxDepth) }

  static func statesBound(_ maxStates: Int) -> Bound { .states(maxStates) }

  /// How a search remembers the states it has visited.
  public enum Visited: Sendable {
    /// A 64-bit fingerprint per state; worlds are kept for the breadth-first frontier only.
    case fingerprints
    /// Every world, in a `Set<World>` (exact, about 7 KB a state): the reference.
    case worlds
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
    var replayed = initial
    for (i, cpu) in f.schedule.enumerated() {
      out += "on cpu\(cpu) step\n"
      _ = try? replayed.microStep(cpu: cpu)
      if i < f.events.count, let e = f.events[i] {
        out += "say \(Lexer.quote("cpu\(cpu) \(e.function): \(e.text)"))\n"
      } else if replayed.cpus[cpu].state == .idle {
        out += "say \"cpu\(cpu) returns: its operation is done\"\n"
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
