import AnonVMASim
import SceneScript

/// One step of a scene: what ran, the kernel events it produced and its narration.
public struct StepInfo: Sendable, Hashable {
  /// 0 is the state before the first operation.
  public var index: Int
  /// The scene line that made the step (`fork P1 P2`, `on cpu1 step`), or `start` for step 0.
  public var label: String
  public var location: SourceLocation?
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
  public var states: [World]
  public var steps: [StepInfo]
  public var chapters: [(title: String, step: Int)]
  public var expectations: [BoundExpectation]
  /// Scene errors found while running (the timeline stops before the failing step).
  public var runtimeDiagnostics: [Diagnostic]

  /// The number of operation steps (`N` in `step K/N`).
  public var stepCount: Int { states.count - 1 }

  /// Runs a parsed scene. A scene with parse errors gives an empty timeline.
  public init(scene: Scene, defaultTitle: String) {
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
    self.title = title
    self.kernel = kernel
    self.variants = variants.sorted()
    self.cpuCount = cpus
    var world = World(kernel: kernel, variants: variants, cpus: cpus)
    states = [world]
    steps = [StepInfo(index: 0, label: "start", location: nil, chapter: nil)]
    chapters = []
    expectations = []
    runtimeDiagnostics = []
    guard !scene.hasErrors else { return }
    var chapter: String?
    for s in scene.statements {
      switch s.statement {
      case .title, .kernel, .variant, .cpus:
        continue
      case .chapter(let t):
        chapter = t
        chapters.append((t, steps.count))
        continue
      case .say(let t):
        steps[steps.count - 1].say.append(t)
        continue
      case .note(let t):
        steps[steps.count - 1].notes.append(t)
        continue
      case .expect(let e):
        expectations.append(BoundExpectation(step: steps.count - 1, expectation: e, statement: s))
        continue
      case .operation, .on:
        break
      }
      let index = steps.count
      world.step = index
      world.freedThisStep = []
      var info = StepInfo(index: index, label: "", location: s.location, chapter: chapter)
      do throws(SimError) {
        switch s.statement {
        case .operation(let op):
          info.label = op.label
          info.events = try world.apply(op, on: 0)
        case .on(let cpu, let action):
          switch action {
          case .begin(let op):
            info.label = "on cpu\(cpu) begin \(op.label)"
            try world.begin(op, on: cpu)
          case .run(let op):
            info.label = "on cpu\(cpu) \(op.label)"
            try world.begin(op, on: cpu)
            info.events = try world.finish(cpu: cpu)
          case .step(let n):
            info.label = n == 1 ? "on cpu\(cpu) step" : "on cpu\(cpu) step \(n)"
            if world.cpus[cpu].state == .idle {
              throw SimError("cpu\(cpu) has no operation to step (use 'on cpu\(cpu) begin OP')")
            }
            for _ in 0..<n {
              guard case .progressed(let e) = try world.microStep(cpu: cpu) else { break }
              info.events.append(e)
            }
          case .finish:
            info.label = "on cpu\(cpu) finish"
            if world.cpus[cpu].state == .idle {
              throw SimError("cpu\(cpu) has no operation to finish")
            }
            info.events = try world.finish(cpu: cpu)
          }
        default:
          break
        }
      } catch {
        runtimeDiagnostics.append(
          Diagnostic(.error, error.message + " (at step \(index))", at: s.location))
        return
      }
      world.checkInvariants()
      states.append(world)
      steps.append(info)
    }
  }

  /// The chapter a step belongs to.
  public func chapter(at step: Int) -> String? { steps[step].chapter }
}
