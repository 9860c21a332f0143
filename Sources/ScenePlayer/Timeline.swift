import AnonVMASim
import SceneScript

/// One step of a scene: what ran and its narration (its kernel events: ``Replay/events(step:_:)``).
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
}

/// An `expect` line bound to the step it checks.
public struct BoundExpectation: Sendable, Hashable {
  public var step: Int
  public var expectation: Expectation
  public var statement: LocatedStatement
}

/// A scene run to the end, step by step: what each step ran and the states after them.
///
/// `states[k]` is the world after step `k`: stored at keyframes, replayed in between (``Replay``,
/// which also gives a step's events and micro-states).
public struct Timeline: Sendable {
  public var title: String
  public var kernel: KernelVersion
  public var variants: [Variant]
  public var cpuCount: Int
  /// What building and extending this timeline may use.
  public var limits = Limits()
  /// The states after every step and the steps' events, stored or replayed.
  public private(set) var replay: Replay
  /// The world after every step: `states[k]` (``Replay/subscript(_:)``).
  public var states: Replay { replay }
  /// The world after the last step, kept whole so appending a step mutates it in place.
  var tail: World
  public var steps: [StepInfo]
  public var chapters: [(title: String, step: Int)]
  public var expectations: [BoundExpectation]
  /// The `ask` lines, each bound to the step it comes before (``answer(_:)``).
  public var questions: [BoundQuestion] = []
  /// Scene errors found while running (the timeline stops before the failing step).
  public var runtimeDiagnostics: [Diagnostic]
  var currentChapter: String?

  /// The number of operation steps (`N` in `step K/N`).
  public var stepCount: Int { states.count - 1 }

  /// An empty timeline (step 0 only), as `explore` starts; its steps run with `narration`.
  public init(
    title: String, kernel: KernelVersion, variants: [Variant] = [], cpus: Int = 1,
    keyframeInterval: Int = 16, narration: Narration = .narrated, limits: Limits = Limits()
  ) {
    self.title = title
    self.kernel = kernel
    self.variants = variants.sorted()
    self.cpuCount = cpus
    self.limits = limits
    var world = World(kernel: kernel, variants: variants, cpus: cpus)
    world.budget.value = limits.budget
    tail = world
    replay = Replay(interval: keyframeInterval, narration: narration)
    replay.append(world, statement: nil, events: [], keep: true)
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
    let narration: Narration = cpus > 1 || usesCPUs || operations < 200 ? .narrated : .quiet
    self.init(title: title, kernel: kernel, variants: variants, cpus: cpus, narration: narration, limits: limits)
    guard !scene.hasErrors else { return }
    for s in scene.statements {
      guard limits.proceed(stepCount, of: operations) else {
        runtimeDiagnostics.append(
          Diagnostic(.interrupted, .error, "interrupted after step \(stepCount) of \(operations)", at: s.location))
        break
      }
      if case .failure(let d) = append(s) {
        runtimeDiagnostics.append(d)
        break
      }
    }
    // A last step that left a CPU mid-operation (blocked, deadlocked) is rebuilt with narration,
    // since its current micro-step text is part of the state.
    if narration == .quiet, !tail.allIdle, let w = replay.narrateLast() { tail = w }
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
    case .ask(let q):
      questions.append(BoundQuestion(step: steps.count, question: q, statement: s))
      return .success(())
    case .operation, .on:
      break
    }
    let index = steps.count
    // Take the last state out so it is uniquely referenced and changes in place.
    var world = World(kernel: kernel)
    swap(&world, &tail)
    let info = StepInfo(
      index: index, label: Timeline.label(s.statement), location: s.location, statement: s.statement,
      chapter: currentChapter)
    let events: [Event]
    do throws(SimError) {
      let narration = replay.narration
      events = try Replay.run(
        s.statement, on: &world, step: index, narration: narration, collect: narration == .narrated
      ) { _, _ in }
    } catch {
      // Nothing changes: rebuild the last state from the store.
      tail = states[index - 1]
      let id: DiagnosticID = error.kind == .budget ? .budgetExceeded : .operationRefused
      return .failure(Diagnostic(id, .error, error.message + " (at step \(index))", at: s.location))
    }
    world.checkInvariants()
    if let exceeded = limits.memoryExceeded() {
      tail = states[index - 1]
      return .failure(
        Diagnostic(.budgetExceeded, .error, "the scene exceeds " + exceeded + " (at step \(index))", at: s.location))
    }
    replay.append(world, statement: s.statement, events: events, keep: false)
    tail = world
    steps.append(info)
    return .success(())
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

  /// The chapter a step belongs to.
  public func chapter(at step: Int) -> String? { steps[step].chapter }
}
