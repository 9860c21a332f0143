import AnonVMASim

extension RaceExplorer {
  /// What a search has counted and found so far, kept the same way by both searches.
  struct Tally {
    var findings: [String: Finding] = [:]
    /// Codes in the order they were found.
    var order: [String] = []
    var transitions = 0
    var schedules = 0
    var exhaustive = true
    var refused = 0
    var firstRefusal: Refusal?
    /// Transitions weighted by the size of the world they copy, hash and check.
    var work = 0
    var stoppedBy: Bound?
    /// The shortest schedule length some of whose states were not expanded (nil: none yet).
    var incompleteFrom: Int?
    /// Codes the initial state already reports: not the search's findings.
    let baseline: Set<String>

    init(initial: World) { baseline = Set(initial.violations.map(\.code)) }

    /// Whether a violation with `code` is new: not in the initial state, not found before.
    func wants(_ code: String) -> Bool { !baseline.contains(code) && findings[code] == nil }

    /// Nobody can move in a state although some operation is unfinished: CPUs wait on each other.
    func isDeadlock(_ world: World) -> Bool {
      world.cpus.contains { $0.state == .blocked } && wants("C18")
    }

    static let deadlockMessage = "no CPU can move: they wait on each other's locks"

    mutating func add(_ finding: Finding) {
      findings[finding.code] = finding
      order.append(finding.code)
    }

    /// The violations a transition reported (those past the first `old` of its world) that are new.
    func newViolations(_ violations: [Violation], since old: Int) -> [Violation] {
      guard violations.count > old else { return [] }
      return violations[old...].filter { wants($0.code) }
    }

    /// What a transition costs: copying, hashing and checking the world and the CPUs' programs
    /// (a CPU about to fault in 64 pages carries 64 instructions).
    mutating func charge(_ next: World) {
      transitions += 1
      work += 1 + next.size + next.cpus.reduce(0) { $0 + $1.pending.count }
    }

    /// A bound stopped the search, or kept it from a state: every schedule of at most `covered`
    /// micro-steps was still checked, its micro-steps and the state it ends in (a deadlock is
    /// seen when its state is expanded: the states `covered` + 1 micro-steps from the start are
    /// all reached, but some not expanded). A bound that ends the search (`ends`) is the one
    /// reported; otherwise the first one met is.
    mutating func stop(_ bound: Bound, covered: Int, ends: Bool = false) {
      exhaustive = false
      if ends || stoppedBy == nil { stoppedBy = bound }
      incompleteFrom = min(incompleteFrom ?? covered, covered)
    }

    func report(states: Int, omissionProbability: Double? = nil) -> Report {
      let exhaustive = exhaustive && stoppedBy == nil
      return Report(
        states: states, transitions: transitions, schedules: schedules, exhaustive: exhaustive,
        stop: stoppedBy, completeDepth: exhaustive ? nil : incompleteFrom ?? 0,
        findings: order.compactMap { findings[$0] }, refused: refused, firstRefusal: firstRefusal,
        omissionProbability: omissionProbability)
    }
  }
}

extension RaceExplorer {
  /// One CPU's micro-step on a copy of `world`: the world after it and the outcome, or nil when
  /// the model refuses it (it threw: the operation cannot go on in that state, a schedule the
  /// kernel cannot take), counted in the tally, the first one with `path`, the schedule to `world`.
  static func attempt(
    _ world: World, cpu: Int, tally: inout Tally, path: () -> (schedule: [Int], events: [Event?])
  ) -> (world: World, outcome: MicroOutcome)? {
    var next = world
    // The search's own work budget bounds the search; a world's counter bounds one micro-step
    // here (left to add up along a schedule, a long one would be refused as a whole scene is).
    next.work.value = 0
    do {
      let outcome = try next.microStep(cpu: cpu)
      tally.charge(next)
      return (next, outcome)
    } catch {
      tally.refuse(error, cpu: cpu, path: path)
      return nil
    }
  }
}

extension RaceExplorer.Tally {
  /// Counts a micro-step the model refused (counted and shown, never dropped silently), the
  /// first one with `path`, the schedule to the state it was tried from.
  mutating func refuse(_ error: SimError, cpu: Int, path: () -> (schedule: [Int], events: [Event?])) {
    refused += 1
    if firstRefusal == nil {
      let p = path()
      firstRefusal = RaceExplorer.Refusal(
        message: error.message, schedule: p.schedule + [cpu], events: p.events + [nil])
    }
  }
}
