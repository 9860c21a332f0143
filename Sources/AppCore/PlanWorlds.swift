import AnonVMASim
import ScenePlayer
import SceneScript

/// The worlds an explore session's diagram plan reads (``ForestDiagram/Plan/worlds(_:microSteps:)``:
/// every step's micro-steps, then the step), kept between plans so the plan after a typed line
/// replays only the steps that are new: a step's worlds depend only on the worlds before it and
/// its statement, so the steps a timeline shares with the one these were read from (same model,
/// CPUs and narration, the same statements from the start) have the same worlds. Replaying every
/// step's micro-steps was about half a plan's cost at 400 typed steps.
///
/// Read only for timelines that are planned (up to ``PlannedTimeline/maxSteps`` steps, whose
/// micro-steps are always read), so a plan over them is the plan over the timeline; kept only in
/// explore mode (a played scene is planned once), where they hold what a plan held while it ran.
struct PlanWorlds: Sendable {
  let kernel: KernelVersion
  let variants: [Variant]
  let cpuCount: Int
  let narration: Narration
  /// The statement of every step (nil for step 0).
  let statements: [Statement?]
  /// The worlds in time order, and the step each belongs to.
  let worlds: [World]
  let times: [Int]

  /// The worlds of `timeline`, taken from `old` for the steps it shares with it, replayed from
  /// the first step that differs.
  init(_ timeline: Timeline, reusing old: PlanWorlds? = nil) {
    kernel = timeline.kernel
    variants = timeline.variants
    cpuCount = timeline.cpuCount
    narration = timeline.replay.narration
    statements = timeline.steps.map(\.statement)
    var worlds: [World] = []
    var times: [Int] = []
    // The first step not shared (step 0 is shared when the model, CPUs and narration are).
    var from = 0
    if let old, old.kernel == kernel, old.variants == variants, old.cpuCount == cpuCount,
      old.narration == narration
    {
      let n = min(old.statements.count, statements.count)
      var shared = 1
      while shared < n && old.statements[shared] == statements[shared] { shared += 1 }
      let kept = old.times.firstIndex { $0 >= shared } ?? old.times.count
      // The last world kept is step `shared - 1`'s: the same as the timeline's, or nothing is
      // kept (a timeline whose start differs, e.g. in its budget).
      if kept > 0, old.worlds[kept - 1] == timeline.states[shared - 1] {
        worlds = Array(old.worlds[..<kept])
        times = Array(old.times[..<kept])
        from = shared
      }
    }
    if from <= timeline.stepCount {
      for k in from...timeline.stepCount {
        for state in timeline.microStates(step: k) {
          worlds.append(state.world)
          times.append(k)
        }
        worlds.append(timeline.states[k])
        times.append(k)
      }
    }
    self.worlds = worlds
    self.times = times
  }
}
