import AnonVMASim
import SceneScript

/// Whether a step's micro-steps format their event text, decided by whoever runs the step.
public enum Narration: Sendable, Hashable {
  /// Events carry their text and objects (a step shown to a person, a scene with several CPUs,
  /// whose current micro-step text is part of the state).
  case narrated
  /// Events carry their CPU and function only (building or replaying a large timeline).
  case quiet
}

/// The states of a timeline and the one place a step is run again: the world after step `k`
/// (`replay[k]`), the events of step `k` and the worlds between its micro-steps.
///
/// Keeps keyframes and a small cache (``StateStore``), the statement of every step, and the events
/// of every step when the timeline was built narrated; anything else is replayed from the nearest
/// stored state before it, at most `interval - 1` steps back.
public struct Replay: Sendable {
  /// How the timeline was built and how `replay[k]` replays: the stored worlds carry it.
  public let narration: Narration
  var store: StateStore
  /// The statement of every step (nil for step 0).
  var statements: [Statement?] = []
  /// The events of every step, kept when the timeline was built narrated.
  var events: [[Event]] = []

  init(interval: Int, narration: Narration) {
    self.narration = narration
    store = StateStore(interval: interval)
  }

  /// The number of states (steps + 1).
  public var count: Int { store.count }
  public var indices: Range<Int> { 0..<count }
  public var isEmpty: Bool { count == 0 }
  public var last: World? { count == 0 ? nil : self[count - 1] }

  /// Records the state after a newly run step (the world is shared, not copied, until it changes).
  mutating func append(_ world: World, statement: Statement?, events stepEvents: [Event], keep: Bool) {
    statements.append(statement)
    events.append(narration == .narrated ? stepEvents : [])
    store.append(world, keep: keep)
  }

  /// The world after step `k`: stored, or replayed (in the build's narration) from the nearest
  /// stored state before it, caching every state on the way.
  public subscript(k: Int) -> World {
    guard let (base, stored) = store.nearest(atOrBelow: k) else { return World(kernel: .v2_6_36) }
    guard base < k else { return stored }
    var world = stored
    for j in (base + 1)...k {
      guard let statement = statements[j] else { continue }
      _ = try? Replay.run(statement, on: &world, step: j, narration: narration, collect: false) { _, _ in }
      world.checkInvariants()
      store.remember(j, world)
    }
    return world
  }

  /// The micro-steps step `k` ran. `.narrated` gives their text (replayed when the timeline was
  /// built quietly); `.quiet` promises only each event's CPU and function.
  public func events(step k: Int, _ narration: Narration = .narrated) -> [Event] {
    guard k >= 1, k < count else { return [] }
    if self.narration == .narrated { return events[k] }
    guard let statement = statements[k] else { return [] }
    var world = self[k - 1]
    return (try? Replay.run(statement, on: &world, step: k, narration: narration) { _, _ in }) ?? []
  }

  /// The world after each micro-step of step `k`, with the event that led to it (narrated), for
  /// "step into"; replayed from the world before the step.
  public func microStates(step k: Int) -> [(event: Event, world: World)] {
    var result: [(event: Event, world: World)] = []
    _ = observeMicroStates(step: k) { e, w in result.append((e, w)) }
    return result
  }

  /// ``microStates(step:)`` without keeping them: `observe` sees each micro-step's event and
  /// world in turn; returns the world after micro-step `keep` (1-based) when asked, and how many
  /// micro-steps the step ran. What a step's locks need: keeping every world of a large fork
  /// copies its arrays at each micro-step (stepping W2, two thirds of a key's time went there).
  /// `.quiet` promises only each event's CPU and function, as ``events(step:_:)``.
  public func observeMicroStates(
    step k: Int, narration: Narration = .narrated, keep: Int? = nil, _ observe: (Event, World) -> Void
  ) -> (kept: World?, count: Int) {
    guard k >= 1, k < count, let statement = statements[k] else { return (nil, 0) }
    var world = self[k - 1]
    var n = 0
    var kept: World?
    _ = try? Replay.run(statement, on: &world, step: k, narration: narration, collect: false) { e, w in
      n += 1
      if n == keep { kept = w }
      observe(e, w)
    }
    return (kept, n)
  }

  /// Runs the last step again narrated and stores its world in place of the quiet one (a quiet
  /// build whose last step left a CPU mid-operation: that micro-step's text is part of the state).
  mutating func narrateLast() -> World? {
    let k = count - 1
    guard k >= 1, let statement = statements[k] else { return nil }
    var world = self[k - 1]
    _ = try? Replay.run(statement, on: &world, step: k, narration: .narrated, collect: false) { _, _ in }
    world.checkInvariants()
    store.setLast(world)
    return world
  }

  /// Runs one step's statement on a world, calling `observe` after every micro-step; returns the
  /// events when `collect` (a quiet build or replay has no use for them). The first run of a step
  /// (``Timeline/append(_:)``) and every replay come through here.
  static func run(
    _ statement: Statement, on world: inout World, step index: Int, narration: Narration, collect: Bool = true,
    observe: (Event, World) -> Void
  ) throws(SimError) -> [Event] {
    world.step = index
    world.freedThisStep = []
    world.narrating.value = narration == .narrated
    var events: [Event] = []
    func drain(_ cpu: Int, limit: Int = Int.max) throws(SimError) {
      var n = 0
      while n < limit {
        let before = world.cpuState(cpu)
        let lock: AnonVMAID?
        switch try world.microStep(cpu: cpu) {
        case .progressed(let e):
          if collect { events.append(e) }
          observe(e, world)
          n += 1
          continue
        case .blocked(let l): lock = before == .blocked ? nil : l
        case .deadlocked: lock = before == .deadlocked ? nil : world.cpuWaitingFor(cpu)
        case .idle: lock = nil
        }
        // A CPU that starts to wait (or deadlocks) is a micro-step of its own: the screen shows
        // it waiting from there, as the step's end does (``World/waitEvent(cpu:lock:)``).
        if let lock {
          let e = world.waitEvent(cpu: cpu, lock: lock)
          if collect { events.append(e) }
          observe(e, world)
        }
        return
      }
    }
    switch statement {
    case .operation(let op):
      try world.begin(op, on: 0)
      try drain(0)
    case .on(let cpu, let action):
      guard cpu >= 0, cpu < world.cpus.count else {
        throw SimError("cpu\(cpu) does not exist: there are \(world.cpus.count) CPU(s)")
      }
      switch action {
      case .begin(let op):
        try world.begin(op, on: cpu)
      case .run(let op):
        try world.begin(op, on: cpu)
        try drain(cpu)
      case .step(let n):
        if world.cpus[cpu].state == .idle {
          throw SimError("cpu\(cpu) has no operation to step (use 'on cpu\(cpu) begin OP')")
        }
        try drain(cpu, limit: n)
      case .finish:
        if world.cpus[cpu].state == .idle { throw SimError("cpu\(cpu) has no operation to finish") }
        try drain(cpu)
      }
    default:
      break
    }
    return events
  }
}

extension Timeline {
  /// The micro-steps a step ran, with their text: ``Replay/events(step:_:)``.
  public func events(step k: Int) -> [Event] { replay.events(step: k) }

  /// The world after each micro-step of a step: ``Replay/microStates(step:)``.
  public func microStates(step k: Int) -> [(event: Event, world: World)] { replay.microStates(step: k) }
}
