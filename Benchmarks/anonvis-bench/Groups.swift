import AnonVMASim
import AppCore
import Foundation
import Recording
import ScenePlayer
import SceneScript
import StandardStreams
import TermRender
import Workloads

/// The workload sizes of a run: full, or small for CI (`--quick`).
struct Sizes {
  var quick: Bool
  var runs: Int { quick ? 1 : 3 }
  /// Keys pressed per view in the keys group (`--keys`).
  var keys: Int?
  var w1: (processes: Int, writes: Int, exits: Int) { quick ? (200, 500, 100) : (2000, 2000, 1000) }
  var w2Generations: Int { quick ? 200 : 2000 }
  var w3: (processes: Int, merges: Int) { quick ? (50, 500) : (500, 10000) }

  func w1(_ kernel: KernelVersion) -> String {
    Workloads.w1(kernel: kernel, processes: w1.processes, writes: w1.writes, exits: w1.exits)
  }

  /// The scenes `--emit` prints, by name.
  var scenes: [String: String] {
    [
      "w1": w1(.v2_6_36),
      "w1-6.1": w1(.v6),
      "w2": Workloads.w2(kernel: .v2_6_36, generations: w2Generations),
      "w2-6.1": Workloads.w2(kernel: .v6, generations: w2Generations),
      "w3": Workloads.w3(kernel: .v2_6_36, processes: w3.processes, merges: w3.merges),
      "w1-cast": Workloads.w1(kernel: .v2_6_36, processes: 200, writes: 500, exits: 100),
    ]
  }
}

/// The measurement groups, in the order they run; each appends its figures.
struct Groups {
  static let names = ["w1", "w2", "w3", "seek", "frame", "keys", "compare", "cast", "races"]

  let sizes: Sizes
  var figures: [Figure] = []
  /// W1 at the run's size, built by ``w1(measured:)`` for seek, frame and keys.
  var w1: Timeline

  init(sizes: Sizes) {
    self.sizes = sizes
    w1 = Groups.timeline(Workloads.w1(kernel: .v2_6_36, processes: 2, writes: 0, exits: 0))
  }

  static func timeline(_ source: String) -> Timeline {
    Timeline(scene: Parser.parse(source), defaultTitle: "bench")
  }

  private var quick: Bool { sizes.quick }

  /// W1, W2, W3: run every step and keep the whole timeline. W1 is built even when not measured.
  mutating func w1(measured: Bool) {
    let source = sizes.w1(.v2_6_36)
    // One timeline at a time: the previous one is released before the next is built.
    let t1 = Harness.measure(measured ? sizes.runs : 1) {
      w1 = Groups.timeline("spawn P0")
      w1 = Groups.timeline(source)
    }
    guard measured else { return }
    figures.append(
      Figure(
        name: "W1 forking server 2.6.36 (\(w1.stepCount) steps)", value: t1.median, unit: "s", spread: t1.spread,
        target: quick ? nil : 1))
    figures.append(
      Figure(name: "peak resident memory after W1", value: Harness.peakRSSMB(), unit: "MB", target: quick ? nil : 300))
    let modern = sizes.w1(.v6)
    let t1m = Harness.measure(sizes.runs) { _ = Groups.timeline(modern) }
    figures.append(Figure(name: "W1 forking server 6.1", value: t1m.median, unit: "s", spread: t1m.spread))
  }

  mutating func w2(_ kernel: KernelVersion) {
    let source = Workloads.w2(kernel: kernel, generations: sizes.w2Generations)
    var t = Groups.timeline("spawn P0")
    let m = Harness.measure(sizes.runs) { t = Groups.timeline(source) }
    let chain = t.states[t.stepCount].aliveAnonVMAs.count
    figures.append(
      Figure(
        name: "W2 daemon chain \(kernel.rawValue), \(sizes.w2Generations) generations (\(chain) anon_vmas at the end)",
        value: m.median, unit: "s", spread: m.spread, target: kernel == .v2_6_36 && !quick ? 2 : nil))
  }

  mutating func w3() {
    let source = Workloads.w3(kernel: .v2_6_36, processes: sizes.w3.processes, merges: sizes.w3.merges)
    let t3 = Harness.measure(sizes.runs) { _ = Groups.timeline(source) }
    figures.append(
      Figure(
        name: "W3 KSM \(sizes.w3.processes) processes, \(sizes.w3.merges) merges", value: t3.median, unit: "s",
        spread: t3.spread))
  }

  /// Seek: random jumps on W1's timeline.
  mutating func seek() {
    var r = Workloads.Rng(state: 7)
    var seeks: [Double] = []
    for _ in 0..<(quick ? 50 : 300) {
      let k = r.next(w1.stepCount + 1)
      let start = ContinuousClock.now
      _ = w1.states[k]
      seeks.append((ContinuousClock.now - start).inSeconds)
    }
    figures.append(
      Figure(name: "seek to a random step (p50)", value: Harness.percentile(seeks, 0.5) * 1000, unit: "ms", target: 2))
    figures.append(
      Figure(name: "seek to a random step (p99)", value: Harness.percentile(seeks, 0.99) * 1000, unit: "ms"))
  }

  /// One frame of the largest step at 200x60.
  mutating func frame() {
    let w1 = self.w1
    let largest = (0...w1.stepCount).max { w1.states[$0].vmas.count < w1.states[$1].vmas.count } ?? 0
    // Cold: a fresh view state each time, so the layout of the step is computed, not reused.
    // The matrix view (the figure's history); the diagram has figures of its own below.
    var state = AppState(timeline: w1, fileName: "w1")
    state.forestView = .matrix
    // Two untimed frames first: the allocator's first large arrays cost page faults once.
    let frame = Harness.measure(quick ? 3 : 100, warmup: 2) {
      state = AppState(timeline: w1, fileName: "w1")
      state.forestView = .matrix
      state.go(to: largest)
      _ = state.render(width: 200, height: 60)
    }
    figures.append(
      Figure(
        name: "lay out and render one 200x60 frame of the largest step", value: frame.median * 1000, unit: "ms",
        spread: frame.spread * 1000, target: 4))
    // Its parts: a fresh state's layout of the step (the worlds come from the timeline's cache),
    // and the drawing of it.
    let laying = Harness.measure(quick ? 3 : 100, warmup: 2) {
      state = AppState(timeline: w1, fileName: "w1")
      state.forestView = .matrix
      state.go(to: largest)
    }
    figures.append(
      Figure(
        name: "one 200x60 frame of the largest step, part: lay out (AppState.go)", value: laying.median * 1000,
        unit: "ms", spread: laying.spread * 1000))
    let redraw = Harness.measure(quick ? 3 : 100) { _ = state.render(width: 200, height: 60) }
    figures.append(
      Figure(
        name: "render it again (layout of the step reused)", value: redraw.median * 1000, unit: "ms",
        spread: redraw.spread * 1000))
    diagramFrame(largest, named: "the largest step (\(w1.states[largest].vmas.count) VMAs, drawn as the matrix)")
    // The step the app does draw as a diagram with the most VMAs: what a user waits for.
    let drawn = (0...w1.stepCount).filter { ForestDiagram.excess(w1.states[$0]) == nil }
      .max { w1.states[$0].vmas.count < w1.states[$1].vmas.count }
    if let drawn {
      diagramFrame(drawn, named: "the largest step drawn as one (\(w1.states[drawn].vmas.count) VMAs)")
    }
  }

  /// The diagram of W1's step `largest`, for a 200x60 frame: its layout (the step's micro-states
  /// replayed, their locks, the folded diagram: what the reducer computes once per step) and the
  /// drawing of a window of it, each beside the frame budget. The app draws the matrix for forests
  /// over `maxVMAs` VMAs (``ForestDiagram/excess(_:)``; W1's largest step is one): measured on
  /// that step, the figures say how far the diagram is from it; on the largest step drawn as a
  /// diagram, what a user waits for.
  mutating func diagramFrame(_ largest: Int, named step: String) {
    let runs = quick ? 3 : 10
    var micro = w1.replay.microStates(step: largest)
    let replay = Harness.measure(runs) { micro = w1.replay.microStates(step: largest) }
    var locks = StepLocks(micro)
    let locking = Harness.measure(runs) { locks = StepLocks(micro) }
    let world = w1.states[largest]
    let options = ForestDiagram.Options(
      previous: w1.states[max(0, largest - 1)], lockMoment: locks.featured.map { micro[$0 - 1].world }, fold: true)
    var diagram = ForestDiagram(world, options: options)
    let laying = Harness.measure(runs) { diagram = ForestDiagram(world, options: options) }
    figures.append(
      Figure(
        name: "diagram of \(step): lay out (replay, locks, folded diagram)",
        value: (replay.median + locking.median + laying.median) * 1000, unit: "ms", target: 4))
    for (name, m) in [
      ("replay its micro-states", replay), ("their locks (StepLocks)", locking), ("the diagram", laying),
    ] {
      figures.append(
        Figure(name: "diagram of \(step), part: \(name)", value: m.median * 1000, unit: "ms", spread: m.spread * 1000))
    }
    var buffer = Buffer(width: 200, height: 60)
    let drawing = Harness.measure(quick ? 3 : 100, warmup: 2) {
      buffer = Buffer(width: 200, height: 60)
      diagram.draw(into: &buffer, in: buffer.area, scroll: 0)
    }
    figures.append(
      Figure(
        name: "diagram of \(step): draw a 200x60 window", value: drawing.median * 1000, unit: "ms",
        spread: drawing.spread * 1000, target: 4))
  }

  /// Key to frame while stepping through W1 headless: in the app's default view (the diagram
  /// where a step's forest fits it, the matrix beyond ``DiagramLayout/maxVMAs`` VMAs), and in the
  /// matrix view alone (the figure before the diagram existed, comparable with older runs).
  mutating func keys() {
    for view in [nil, ForestView.matrix] {
      var keyTimes: [Double] = []
      // The runtime live play uses, on a headless terminal: a key is reduced, rendered and diffed.
      let terminal = HeadlessTerminal(width: 200, height: 60, keepsFrames: false)
      var state = AppState(timeline: w1, fileName: "w1")
      if let view { state.forestView = view }
      var runtime = Runtime(state: state, backend: terminal, clock: terminal.clock)
      runtime.draw()
      for _ in 0..<min(sizes.keys ?? (quick ? 40 : 1000), w1.stepCount) {
        let start = ContinuousClock.now
        _ = runtime.press(.right)
        keyTimes.append((ContinuousClock.now - start).inSeconds)
      }
      let name = view == nil ? "key to frame while stepping W1" : "key to frame while stepping W1, matrix view"
      figures.append(Figure(name: "\(name) (p50)", value: Harness.percentile(keyTimes, 0.5) * 1000, unit: "ms"))
      figures.append(
        Figure(name: "\(name) (p99)", value: Harness.percentile(keyTimes, 0.99) * 1000, unit: "ms", target: 8))
    }
    // W2's daemon chain: two VMAs, an anon_vma more every generation; the diagram is drawn up to
    // DiagramLayout.maxAnonVMAs live anon_vmas (the matrix beyond).
    let w2 = Groups.timeline(Workloads.w2(kernel: .v2_6_36, generations: quick ? 200 : 500))
    let terminal = HeadlessTerminal(width: 200, height: 60, keepsFrames: false)
    var runtime = Runtime(state: AppState(timeline: w2, fileName: "w2"), backend: terminal, clock: terminal.clock)
    runtime.draw()
    let keyTimes = Self.stepCompare(&runtime, keys: min(sizes.keys ?? (quick ? 40 : 1000), w2.stepCount))
    let name = "key to frame while stepping W2 (\(w2.states[keyTimes.count].aliveAnonVMAs.count) anon_vmas at the last)"
    figures.append(Figure(name: "\(name) (p50)", value: Harness.percentile(keyTimes, 0.5) * 1000, unit: "ms"))
    figures.append(
      Figure(name: "\(name) (p99)", value: Harness.percentile(keyTimes, 0.99) * 1000, unit: "ms", target: 8))
  }

  /// Compare (`c`) with 2.6.34 at 200x60 (side by side): key to frame while stepping W1, and a
  /// redraw of the same step (what a play tick or a notice costs): the other half's account and
  /// what differs are worked out once per step, not per frame.
  mutating func compare() {
    var state = AppState(timeline: w1, fileName: "w1")
    state.scene = Parser.parse(sizes.w1(.v2_6_36))
    state.setCompare(.v2_6_34)
    let terminal = HeadlessTerminal(width: 200, height: 60, keepsFrames: false)
    var runtime = Runtime(state: state, backend: terminal, clock: terminal.clock)
    runtime.draw()
    let keyTimes = Self.stepCompare(&runtime, keys: min(sizes.keys ?? (quick ? 40 : 200), w1.stepCount))
    let name = "key to frame while stepping W1 beside 2.6.34"
    figures.append(Figure(name: "\(name) (p50)", value: Harness.percentile(keyTimes, 0.5) * 1000, unit: "ms"))
    figures.append(Figure(name: "\(name) (p99)", value: Harness.percentile(keyTimes, 0.99) * 1000, unit: "ms"))
    var shown = runtime.state
    let redraw = Harness.measure(quick ? 3 : 50) { _ = shown.frame(width: 200, height: 60) }
    figures.append(
      Figure(
        name: "redraw the same step beside 2.6.34", value: redraw.median * 1000, unit: "ms",
        spread: redraw.spread * 1000))
    // Into the micro-steps of W1's largest step beside 2.6.34: the first ↓ replays the step on
    // both models and pairs their micro-steps (MicroAlignment); each further ↓ moves both halves.
    let largest = (0...w1.stepCount).max { w1.states[$0].vmas.count < w1.states[$1].vmas.count } ?? 0
    var enters: [Double] = []
    var moves: [Double] = []
    for _ in 0..<(quick ? 2 : 10) {
      var inside = AppState(timeline: w1, fileName: "w1")
      inside.scene = state.scene
      inside.setCompare(.v2_6_34)
      inside.go(to: largest)
      let screen = HeadlessTerminal(width: 200, height: 60, keepsFrames: false)
      var r = Runtime(state: inside, backend: screen, clock: screen.clock)
      r.draw()
      var start = ContinuousClock.now
      _ = r.press(.down)
      enters.append((ContinuousClock.now - start).inSeconds)
      for _ in 0..<(quick ? 5 : 20) {
        start = ContinuousClock.now
        _ = r.press(.down)
        moves.append((ContinuousClock.now - start).inSeconds)
      }
    }
    let micros = w1.replay.events(step: largest).count
    figures.append(
      Figure(
        name: "enter the micro-steps of W1's largest step (\(micros)) beside 2.6.34 (p50)",
        value: Harness.percentile(enters, 0.5) * 1000, unit: "ms"))
    figures.append(
      Figure(
        name: "next micro-step beside 2.6.34, both halves (p50)", value: Harness.percentile(moves, 0.5) * 1000,
        unit: "ms"))
  }

  /// Presses → `keys` times; the time of each key to its frame (beside 2.6.34, or stepping W2).
  /// Its own function, so callgrind can count its instructions alone (`--toggle-collect='*stepCompare*'`).
  @inline(never)
  static func stepCompare(_ runtime: inout Runtime<HeadlessTerminal, ManualClock>, keys: Int) -> [Double] {
    var times: [Double] = []
    for _ in 0..<keys {
      let start = ContinuousClock.now
      _ = runtime.press(.right)
      times.append((ContinuousClock.now - start).inSeconds)
    }
    return times
  }

  /// Recording: cast bytes against the changed cells, and Graphviz beside our layout and render.
  mutating func cast() {
    let castSource =
      quick
      ? Workloads.w1(kernel: .v2_6_36, processes: 40, writes: 60, exits: 20)
      : Workloads.w1(kernel: .v2_6_36, processes: 200, writes: 500, exits: 100)
    let castState = AppState(timeline: Groups.timeline(castSource), fileName: "w1")
    var castText = ""
    let castTime = Harness.measure(1) {
      castText = SceneRecorder.cast(state: castState, width: 200, height: 60, stepMicros: 1_000_000, version: .v2)
    }
    let changed = SceneRecorder.changedCells(state: castState, width: 200, height: 60)
    let changedBytes = Double(max(1, changed.bytes))
    figures.append(
      Figure(name: "record W1 (\(castState.timeline.stepCount) steps) to a cast", value: castTime.median, unit: "s"))
    figures.append(
      Figure(
        name: "cast size / UTF-8 bytes of the changed cells", value: Double(castText.utf8.count) / changedBytes,
        unit: "x", target: 1.3,
        note: "\(castText.utf8.count) bytes for \(changed.cells) changed cells of \(changed.bytes) bytes "
          + "in \(changed.runs) runs"))
    // Where the bytes go: what the cells say, getting to them, styling them, and the events.
    let parts = SceneRecorder.castBreakdown(castText)
    let framing = castText.utf8.count - parts.text - parts.cursor - parts.style
    figures.append(
      Figure(
        name: "cast output without event framing and markers / changed-cell bytes",
        value: Double(parts.text + parts.cursor + parts.style) / changedBytes, unit: "x",
        note: "text \(parts.text), cursor moves \(parts.cursor), SGR \(parts.style), "
          + "event framing and step markers \(framing) bytes"))
    // What bounds the ratio: no cast of these frames, with a marker per step, can be smaller.
    let floor = changed.outputFloor + framing
    figures.append(
      Figure(
        name: "floor for any cast of these frames / changed-cell bytes", value: Double(floor) / changedBytes, unit: "x",
        note: "\(floor) bytes: cell text \(changed.bytes) + 2 per run \(changed.positioningFloor) + 8 per style change "
          + "\(changed.styleFloor) + framing and markers \(framing)"))
    figures.append(
      Figure(name: "cast size / that floor", value: Double(castText.utf8.count) / Double(max(1, floor)), unit: "x"))
    graphviz(castState)
  }

  /// A peer side by side: Graphviz laying out a step versus our layout and render of it.
  mutating func graphviz(_ state: AppState) {
    let dot = "/usr/bin/dot"
    guard FileManager.default.isExecutableFile(atPath: dot) else { return }
    let step = state.timeline.stepCount / 2
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("anonvis-bench-\(UUID().uuidString).dot")
    let text = DOTExporter.dot(state.timeline, step: step)
    guard (try? Data(text.utf8).write(to: path, options: .withoutOverwriting)) != nil else { return }
    defer { try? FileManager.default.removeItem(at: path) }
    let dotTime = Harness.measure(1) {
      let p = Process()
      p.executableURL = URL(fileURLWithPath: dot)
      p.arguments = ["-Tplain", path.path]
      p.standardOutput = FileHandle.nullDevice
      try? p.run()
      p.waitUntilExit()
    }
    var s = state
    s.go(to: step)
    let ours = Harness.measure(3) { _ = s.render(width: 200, height: 60) }
    figures.append(
      Figure(
        name: "Graphviz dot -Tplain / anonvis layout+render, same step", value: dotTime.median / max(ours.median, 1e-9),
        unit: "x"))
  }
}
