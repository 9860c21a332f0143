import AnonVMASim
import SceneScript

/// One step of a scene: what ran, the kernel events it produced and its narration.
public struct StepInfo: Sendable, Hashable {
  /// 0 is the state before the first operation.
  public var index: Int
  /// The scene line that made the step (`fork P1 P2`, `on cpu1 step`), or `start` for step 0.
  public var label: String
  public var location: SourceLocation?
  public var statement: Statement?
  public var chapter: String?
  public var say: [String] = []
  public var notes: [String] = []
  /// The micro-steps the step ran, in order.
  public var events: [Event] = []
}

/// An `expect` line bound to the step it checks.
public struct BoundExpectation: Sendable, Hashable {
  public var step: Int
  public var expectation: Expectation
  public var statement: LocatedStatement
}

/// A scene run to the end: the state after every step, ready for O(1) forward, backward and jump.
///
/// Built eagerly; `states[k]` is the world after step `k` (copy-on-write shares what did not change).
public struct Timeline: Sendable {
  public var title: String
  public var kernel: KernelVersion
  public var variants: [Variant]
  public var cpuCount: Int
  /// What building and extending this timeline may use.
  public var limits = Limits()
  /// The world after every step (keyframes plus replay; see ``StateStore``).
  public private(set) var states: StateStore
  /// The world after the last step, kept whole so appending a step mutates it in place.
  var tail: World
  public var steps: [StepInfo]
  public var chapters: [(title: String, step: Int)]
  public var expectations: [BoundExpectation]
  /// Scene errors found while running (the timeline stops before the failing step).
  public var runtimeDiagnostics: [Diagnostic]
  var currentChapter: String?

  /// The number of operation steps (`N` in `step K/N`).
  public var stepCount: Int { states.count - 1 }

  /// An empty timeline (step 0 only), as `explore` starts.
  public init(
    title: String, kernel: KernelVersion, variants: [Variant] = [], cpus: Int = 1,
    keyframeInterval: Int = 16, narrated: Bool = true, limits: Limits = Limits()
  ) {
    self.title = title
    self.kernel = kernel
    self.variants = variants.sorted()
    self.cpuCount = cpus
    self.limits = limits
    var world = World(kernel: kernel, variants: variants, cpus: cpus)
    world.budget.value = limits.budget
    tail = world
    states = StateStore(interval: keyframeInterval, narrated: narrated)
    states.append(world, statement: nil, keep: true)
    steps = [StepInfo(index: 0, label: "start", location: nil, chapter: nil)]
    chapters = []
    expectations = []
    runtimeDiagnostics = []
  }

  /// Runs a parsed scene. A scene with parse errors gives an empty timeline.
  ///
  /// With `kernel`, the scene runs on that model instead of its own and without variants: this is
  /// how `--compare` runs the same scene side by side (a bug next to its fix, or model next to model).
  public init(
    scene: Scene, defaultTitle: String, kernel override: KernelVersion? = nil,
    variants variantOverride: [Variant]? = nil, limits: Limits = Limits()
  ) {
    var title = defaultTitle
    var kernel = KernelVersion.v2_6_36
    var variants: [Variant] = []
    var cpus = 1
    for s in scene.statements {
      switch s.statement {
      case .title(let t): title = t
      case .kernel(let k): kernel = k
      case .variant(let v): variants.append(v)
      case .cpus(let n): cpus = n
      default: break
      }
    }
    if let override {
      kernel = override
      variants = []
    }
    if let variantOverride { variants = variantOverride }
    // Large single-CPU scenes are built without formatting event text (shown steps are
    // replayed with it); scenes with several CPUs keep it, since a CPU's current micro-step is
    // part of the state.
    let operations = scene.statements.filter {
      if case .operation = $0.statement { return true }
      return false
    }.count
    let usesCPUs = scene.statements.contains {
      if case .on = $0.statement { return true }
      return false
    }
    let narrated = cpus > 1 || usesCPUs || operations < 200
    self.init(title: title, kernel: kernel, variants: variants, cpus: cpus, narrated: narrated, limits: limits)
    guard !scene.hasErrors else { return }
    var built = self
    Event.$narrating.withValue(narrated) {
      for s in scene.statements {
        guard built.limits.proceed(built.stepCount, of: operations) else {
          built.runtimeDiagnostics.append(
            Diagnostic(
              .error, "interrupted after step \(built.stepCount) of \(operations)", at: s.location))
          return
        }
        if case .failure(let d) = built.append(s) {
          built.runtimeDiagnostics.append(d)
          return
        }
      }
    }
    self = built
    // A last step that left a CPU mid-operation (blocked, deadlocked) is rebuilt with narration,
    // since its current micro-step text is part of the state.
    if !narrated, stepCount > 0, !tail.allIdle, let statement = steps[stepCount].statement {
      var w = states[stepCount - 1]
      _ = try? Timeline.run(statement, on: &w, step: stepCount, collect: false) { _, _ in }
      w.checkInvariants()
      tail = w
      states.setLast(w)
    }
  }

  /// Adds a statement: an operation or `on` line becomes a new step; narration and `expect`
  /// attach to the last step. On a scene error nothing changes and the diagnostic is returned.
  @discardableResult
  public mutating func append(_ s: LocatedStatement) -> Result<Void, Diagnostic> {
    switch s.statement {
    case .title, .kernel, .variant, .cpus:
      return .success(())
    case .chapter(let t):
      currentChapter = t
      chapters.append((t, steps.count))
      return .success(())
    case .say(let t):
      steps[steps.count - 1].say.append(t)
      return .success(())
    case .note(let t):
      steps[steps.count - 1].notes.append(t)
      return .success(())
    case .expect(let e):
      expectations.append(BoundExpectation(step: steps.count - 1, expectation: e, statement: s))
      return .success(())
    case .operation, .on:
      break
    }
    let index = steps.count
    // Take the last state out so it is uniquely referenced and changes in place.
    var world = World(kernel: kernel)
    swap(&world, &tail)
    var info = StepInfo(
      index: index, label: Timeline.label(s.statement), location: s.location, statement: s.statement,
      chapter: currentChapter)
    do throws(SimError) {
      let events = try Timeline.run(s.statement, on: &world, step: index, collect: Event.narrating) { _, _ in }
      if Event.narrating { info.events = events }
    } catch {
      // Nothing changes: rebuild the last state from the store.
      tail = states[index - 1]
      return .failure(Diagnostic(.error, error.message + " (at step \(index))", at: s.location))
    }
    world.checkInvariants()
    if let exceeded = limits.memoryExceeded() {
      tail = states[index - 1]
      return .failure(Diagnostic(.error, "the scene exceeds " + exceeded + " (at step \(index))", at: s.location))
    }
    states.append(world, statement: s.statement, keep: false)
    tail = world
    steps.append(info)
    return .success(())
  }

  /// The micro-steps a step ran, with their text (replayed when the timeline was built quietly).
  public func events(step k: Int) -> [Event] {
    guard k >= 1, k <= stepCount else { return [] }
    if !steps[k].events.isEmpty || states.narrated { return steps[k].events }
    guard let statement = steps[k].statement else { return [] }
    // Replay with text, keeping the events only (not a world per micro-step).
    var world = states[k - 1]
    return Event.$narrating.withValue(true) {
      (try? Timeline.run(statement, on: &world, step: k) { _, _ in }) ?? []
    }
  }

  /// The label of a step's statement.
  public static func label(_ s: Statement) -> String {
    switch s {
    case .operation(let op): return op.label
    case .on(let cpu, .begin(let op)): return "on cpu\(cpu) begin \(op.label)"
    case .on(let cpu, .run(let op)): return "on cpu\(cpu) \(op.label)"
    case .on(let cpu, .step(let n)): return n == 1 ? "on cpu\(cpu) step" : "on cpu\(cpu) step \(n)"
    case .on(let cpu, .finish): return "on cpu\(cpu) finish"
    default: return ""
    }
  }

  /// Runs one step's statement on a world, calling `observe` after every micro-step; returns the
  /// events when `collect` (a quiet build or replay has no use for them).
  static func run(
    _ statement: Statement, on world: inout World, step index: Int, collect: Bool = true,
    observe: (Event, World) -> Void
  ) throws(SimError) -> [Event] {
    world.step = index
    world.freedThisStep = []
    world.narrating.value = Event.narrating
    var events: [Event] = []
    func drain(_ cpu: Int, limit: Int = Int.max) throws(SimError) {
      var n = 0
      while n < limit, case .progressed(let e) = try world.microStep(cpu: cpu) {
        if collect { events.append(e) }
        observe(e, world)
        n += 1
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

  /// The world after each micro-step of a step (replayed from the step before), for "step into".
  public func microStates(step k: Int) -> [(event: Event, world: World)] {
    guard k >= 1, k <= stepCount, let statement = steps[k].statement else { return [] }
    var world = states[k - 1]
    var result: [(event: Event, world: World)] = []
    Event.$narrating.withValue(true) {
      _ = try? Timeline.run(statement, on: &world, step: k) { e, w in result.append((e, w)) }
    }
    return result
  }

  /// The chapter a step belongs to.
  public func chapter(at step: Int) -> String? { steps[step].chapter }
}
