import AnonVMASim
import AppCore
import ArgumentParser
import Recording
import Foundation
import SceneScript
import ScenePlayer
import TermRender

struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Measure speed and memory on generated workloads; prints every figure beside its target.")

  @Flag(help: "Small workloads and one repetition (for CI).")
  var quick = false

  @Flag(help: "Print the figures as JSON.")
  var json = false

  @Option(help: "Measure one group only: w1, w2, w3, seek, frame, keys, cast, races (W1 is built for seek, frame and keys).")
  var only: String?

  @Option(help: "Print a workload's scene (w1, w1-6.x, w2, w2-6.x, w3, w1-cast) instead of measuring, to profile it with `anonvis check`.")
  var emit: String?

  struct Figure {
    var name: String
    var value: Double
    var unit: String
    var spread: Double?
    var target: Double?
    var note: String = ""

    var met: Bool? { target.map { value <= $0 } }
  }

  static func seconds(_ d: Duration) -> Double {
    Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
  }

  /// Median and (max - min) of repeated timings, after `warmup` untimed runs.
  func measure(_ runs: Int, warmup: Int = 0, _ body: () -> Void) -> (median: Double, spread: Double) {
    for _ in 0..<warmup { body() }
    var times: [Double] = []
    for _ in 0..<max(1, runs) {
      let start = ContinuousClock.now
      body()
      times.append(Bench.seconds(ContinuousClock.now - start))
    }
    times.sort()
    return (times[times.count / 2], (times.last ?? 0) - (times.first ?? 0))
  }

  static func peakRSSMB() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
  }

  static func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
  }

  func timeline(_ source: String) -> Timeline {
    Timeline(scene: Parser.parse(source), defaultTitle: "bench")
  }

  func run() throws {
    let runs = quick ? 1 : 3
    let w1Size = quick ? (200, 500, 100) : (2000, 2000, 1000)
    let w2Gens = quick ? 200 : 2000
    let w3Size = quick ? (50, 500) : (500, 10000)
    if let emit {
      let scenes = [
        "w1": Workloads.w1(kernel: .v2_6_36, processes: w1Size.0, writes: w1Size.1, exits: w1Size.2),
        "w1-6.x": Workloads.w1(kernel: .v6, processes: w1Size.0, writes: w1Size.1, exits: w1Size.2),
        "w2": Workloads.w2(kernel: .v2_6_36, generations: w2Gens),
        "w2-6.x": Workloads.w2(kernel: .v6, generations: w2Gens),
        "w3": Workloads.w3(kernel: .v2_6_36, processes: w3Size.0, merges: w3Size.1),
        "w1-cast": Workloads.w1(kernel: .v2_6_36, processes: 200, writes: 500, exits: 100),
      ]
      guard let text = scenes[emit] else {
        printError("error: unknown workload '\(TextSafety.escape(emit))' (w1, w1-6.x, w2, w2-6.x, w3, w1-cast)")
        throw ExitCode(2)
      }
      print(text, terminator: "")
      return
    }
    var figures: [Figure] = []
    let groups = ["w1", "w2", "w3", "seek", "frame", "keys", "cast", "races"]
    if let only, !groups.contains(only) {
      printError("error: unknown group '\(TextSafety.escape(only))' (\(groups.joined(separator: ", ")))")
      throw ExitCode(2)
    }
    // A progress line between measurements (never during one); ctrl-C skips the groups not yet
    // measured and prints the figures so far.
    let progress = ProgressLine("anonvis bench", unit: "figures", quiet: json)
    defer { progress.finish() }
    func want(_ group: String) -> Bool {
      guard progress.report(figures.count, nil) else { return false }
      return only == nil || only == group
    }

    // W1, W2, W3: run every step and keep the whole timeline.
    var w1 = timeline(Workloads.w1(kernel: .v2_6_36, processes: 2, writes: 0, exits: 0))
    let w1Source = Workloads.w1(kernel: .v2_6_36, processes: w1Size.0, writes: w1Size.1, exits: w1Size.2)
    // One timeline at a time: the previous one is released before the next is built.
    let t1 = measure(want("w1") ? runs : 1) {
      w1 = timeline("spawn P0")
      w1 = timeline(w1Source)
    }
    if want("w1") {
      figures.append(Figure(name: "W1 forking server 2.6.36 (\(w1.stepCount) steps)", value: t1.median, unit: "s", spread: t1.spread, target: quick ? nil : 1))
      let rssAfterW1 = Bench.peakRSSMB()
      figures.append(Figure(name: "peak resident memory after W1", value: rssAfterW1, unit: "MB", target: quick ? nil : 300))
      let w1m = Workloads.w1(kernel: .v6, processes: w1Size.0, writes: w1Size.1, exits: w1Size.2)
      let t1m = measure(runs) { _ = timeline(w1m) }
      figures.append(Figure(name: "W1 forking server 6.x", value: t1m.median, unit: "s", spread: t1m.spread))
    }
    for k in [KernelVersion.v2_6_36, .v6] where want("w2") {
      let src = Workloads.w2(kernel: k, generations: w2Gens)
      var t = timeline("spawn P0")
      let m = measure(runs) { t = timeline(src) }
      let chain = t.states[t.stepCount].aliveAnonVMAs.count
      figures.append(
        Figure(
          name: "W2 daemon chain \(k.rawValue), \(w2Gens) generations (\(chain) anon_vmas at the end)",
          value: m.median, unit: "s", spread: m.spread, target: k == .v2_6_36 && !quick ? 2 : nil))
    }
    if want("w3") {
      let w3Source = Workloads.w3(kernel: .v2_6_36, processes: w3Size.0, merges: w3Size.1)
      let t3 = measure(runs) { _ = timeline(w3Source) }
      figures.append(Figure(name: "W3 KSM \(w3Size.0) processes, \(w3Size.1) merges", value: t3.median, unit: "s", spread: t3.spread))
    }

    if want("seek") {
      // Seek: random jumps on W1's timeline.
      var r = Workloads.Rng(state: 7)
      var seeks: [Double] = []
      for _ in 0..<(quick ? 50 : 300) {
        let k = r.next(w1.stepCount + 1)
        let start = ContinuousClock.now
        _ = w1.states[k]
        seeks.append(Bench.seconds(ContinuousClock.now - start))
      }
      figures.append(Figure(name: "seek to a random step (p50)", value: Bench.percentile(seeks, 0.5) * 1000, unit: "ms", target: 2))
      figures.append(Figure(name: "seek to a random step (p99)", value: Bench.percentile(seeks, 0.99) * 1000, unit: "ms"))
    }

    if want("frame") {
      // One frame of the largest step at 200x60.
      let largest = (0...w1.stepCount).max { w1.states[$0].vmas.count < w1.states[$1].vmas.count } ?? 0
      // Cold: a fresh view state each time, so the layout of the step is computed, not reused.
      var state = AppState(timeline: w1, fileName: "w1")
      // Two untimed frames first: the allocator's first large arrays cost page faults once.
      let frame = measure(quick ? 3 : 100, warmup: 2) {
        state = AppState(timeline: w1, fileName: "w1")
        state.go(to: largest)
        _ = state.render(width: 200, height: 60)
      }
      figures.append(Figure(name: "lay out and render one 200x60 frame of the largest step", value: frame.median * 1000, unit: "ms", spread: frame.spread * 1000, target: 4))
      let redraw = measure(quick ? 3 : 100) { _ = state.render(width: 200, height: 60) }
      figures.append(Figure(name: "render it again (layout of the step reused)", value: redraw.median * 1000, unit: "ms", spread: redraw.spread * 1000))
    }

    if want("keys") {
      // Key to frame while stepping through W1 headless.
      var keyTimes: [Double] = []
      var state = AppState(timeline: w1, fileName: "w1")
      var previous = state.render(width: 200, height: 60)
      for _ in 0..<min(quick ? 40 : 1000, w1.stepCount) {
        let start = ContinuousClock.now
        _ = state.reduce(.key(.right))
        let next = state.render(width: 200, height: 60)
        _ = next.diff(from: previous)
        previous = next
        keyTimes.append(Bench.seconds(ContinuousClock.now - start))
      }
      figures.append(Figure(name: "key to frame while stepping W1 (p50)", value: Bench.percentile(keyTimes, 0.5) * 1000, unit: "ms"))
      figures.append(Figure(name: "key to frame while stepping W1 (p99)", value: Bench.percentile(keyTimes, 0.99) * 1000, unit: "ms", target: 8))
    }

    if want("cast") {
      // Recording: cast bytes against the changed cells.
      let castSource = quick
        ? Workloads.w1(kernel: .v2_6_36, processes: 40, writes: 60, exits: 20)
        : Workloads.w1(kernel: .v2_6_36, processes: 200, writes: 500, exits: 100)
      let castState = AppState(timeline: timeline(castSource), fileName: "w1")
      var castText = ""
      let castTime = measure(1) {
        castText = SceneRecorder.cast(state: castState, width: 200, height: 60, stepMicros: 1_000_000, version: .v2)
      }
      let changed = SceneRecorder.changedCells(state: castState, width: 200, height: 60)
      figures.append(Figure(name: "record W1 (\(castState.timeline.stepCount) steps) to a cast", value: castTime.median, unit: "s"))
      figures.append(
        Figure(
          name: "cast size / UTF-8 bytes of the changed cells", value: Double(castText.utf8.count) / Double(max(1, changed.bytes)),
          unit: "x", target: 1.3,
          note: "\(castText.utf8.count) bytes for \(changed.cells) changed cells of \(changed.bytes) bytes in \(changed.runs) runs"))
      // Where the bytes go: what the cells say, getting to them, styling them, and the events.
      let parts = SceneRecorder.castBreakdown(castText)
      let framing = castText.utf8.count - parts.text - parts.cursor - parts.style
      figures.append(
        Figure(
          name: "cast output without event framing and markers / changed-cell bytes",
          value: Double(parts.text + parts.cursor + parts.style) / Double(max(1, changed.bytes)), unit: "x",
          note: "text \(parts.text), cursor moves \(parts.cursor), SGR \(parts.style), "
            + "event framing and step markers \(framing) bytes"))
      // What bounds the ratio: no cast of these frames, with a marker per step, can be smaller.
      let floor = changed.outputFloor + framing
      figures.append(
        Figure(
          name: "floor for any cast of these frames / changed-cell bytes", value: Double(floor) / Double(max(1, changed.bytes)),
          unit: "x",
          note: "\(floor) bytes: cell text \(changed.bytes) + 2 per run \(changed.positioningFloor) + 8 per style change "
            + "\(changed.styleFloor) + framing and markers \(framing)"))
      figures.append(
        Figure(name: "cast size / that floor", value: Double(castText.utf8.count) / Double(max(1, floor)), unit: "x"))

      // A peer side by side: Graphviz laying out the same step versus our layout and render.
      let dotText = DOTExporter.dot(castState.timeline, step: castState.timeline.stepCount / 2)
      if FileManager.default.isExecutableFile(atPath: "/usr/bin/dot") {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("anonvis-bench-\(UUID().uuidString).dot").path
        try? OutputFile.replace(path, with: Array(dotText.utf8), force: false)
        let dotTime = measure(1) {
          let p = Process()
          p.executableURL = URL(fileURLWithPath: "/usr/bin/dot")
          p.arguments = ["-Tplain", path]
          p.standardOutput = FileHandle.nullDevice
          try? p.run()
          p.waitUntilExit()
        }
        var s = castState
        s.go(to: castState.timeline.stepCount / 2)
        let ours = measure(3) { _ = s.render(width: 200, height: 60) }
        figures.append(
          Figure(name: "Graphviz dot -Tplain / anonvis layout+render, same step", value: dotTime.median / max(ours.median, 1e-9), unit: "x"))
        try? FileManager.default.removeItem(atPath: path)
      }
    }

    if want("races") {
      // The race explorer on D.2.
      let d2 = """
        kernel 2.6.34
        cpus 2
        spawn P1
        mmap P1 A 4
        touch P1 A 0..3
        fork P1 P2
        mprotect P2 A 2..3 ro
        on cpu0 begin migrate P1 A 2
        on cpu1 begin mprotect P2 A 1 ro
        """
      if case .success(let explorer) = RaceExplorer.prepare(scene: Parser.parse(d2), title: "d2", kernel: nil, variants: nil) {
        var states = 0
        let t = measure(runs) { states = explorer.explore().states }
        figures.append(Figure(name: "race explorer on D.2 (\(states) states)", value: Double(states) / max(t.median, 1e-9), unit: "states/s"))
      }
    }

    figures.append(Figure(name: "peak resident memory", value: Bench.peakRSSMB(), unit: "MB"))
    progress.finish()
    if Interrupt.requested {
      printError("anonvis bench: interrupted; the figures measured before ctrl-C follow")
    }
    defer { if Interrupt.requested { Foundation.exit(130) } }

    if json {
      let items: [JSON] = figures.map { f in
        .object([
          ("name", .string(f.name)), ("value", .raw(String(format: "%.4f", f.value))), ("unit", .string(f.unit)),
          ("spread", f.spread.map { .raw(String(format: "%.4f", $0)) } ?? .null),
          ("target", f.target.map { .raw(String(format: "%.4f", $0)) } ?? .null),
          ("met", f.met.map { .bool($0) } ?? .null),
        ])
      }
      print(JSON.object([("quick", .bool(quick)), ("figures", .array(items))]).serialized)
      return
    }
    print("anonvis bench\(quick ? " --quick" : "") (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
    for f in figures {
      var line = "  " + f.name.padding(toLength: 72, withPad: " ", startingAt: 0)
      line += String(format: "%12.3f ", f.value) + f.unit.padding(toLength: 9, withPad: " ", startingAt: 0)
      if let s = f.spread { line += String(format: " ±%.3f", s) }
      if let t = f.target { line += String(format: "   target %.3g ", t) + f.unit + ": " + ((f.met ?? false) ? "met" : "MISSED") }
      if !f.note.isEmpty { line += "  (\(f.note))" }
      print(line)
    }
  }
}
