import AnonVMASim
import ArgumentParser
import Foundation
import SafeText
import ScenePlayer
import SceneScript
import StandardStreams

struct Races: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Search every interleaving of a scene's CPUs for invariant violations.",
    discussion: """
      The scene's setup runs on one CPU; its 'on CPU begin OPERATION' lines put operations on \
      several CPUs. Every interleaving of their micro-steps is explored breadth first (equivalent \
      states once), with the invariants checked after every micro-step. For each violation the \
      shortest schedule is written as a scene that 'anonvis check' passes and 'anonvis play' \
      replays.

      The search stops at the first bound it meets: --max-states, --depth, --max-memory (the \
      resident set, default 512 MB), --max-time or --max-work. It then says "NOT exhaustive", \
      which bound stopped it and the option that raises it, and up to how many micro-steps every \
      schedule was covered. On a terminal, standard error shows the search's progress; ctrl-C or \
      SIGTERM stops it with the same summary of what was covered (a second ctrl-C ends at once).

      Exit status: 0 no violation reachable (exhaustive), 1 violation found, 2 error, 3 no \
      violation found but the search is NOT exhaustive (a bound stopped it), 130 stopped by \
      ctrl-C, 143 stopped by SIGTERM.
      """)

  @Argument(help: "Scene file.")
  var file: String

  @Option(help: ArgumentHelp("Run on this kernel model instead of the scene's.", valueName: "kernel"))
  var kernel: KernelVersion?

  @Option(help: ArgumentHelp("Use this variant (may repeat); replaces the scene's variants.", valueName: "variant"))
  var variant: [Variant] = []

  @Option(help: "Stop after this many distinct states.")
  var maxStates: Int = 1_000_000

  @Option(help: ArgumentHelp("Stop the search after this many seconds (from the start).", valueName: "seconds"))
  var maxTime: Double = 300

  @Option(help: "Stop schedules longer than this many micro-steps.")
  var depth: Int = 10_000

  @Option(help: "Directory for the counterexample scenes (default: the current directory).")
  var out: String?

  @Flag(
    help: "Explore every interleaving (no partial-order reduction): the reference the reduced search is tested against."
  )
  var noReduction = false

  @Flag(
    help:
      "Tell apart states that differ only in the pages' ids (the order the allocator gave them): the reference the symmetry reduction is tested against."
  )
  var noSymmetry = false

  @Option(
    help: ArgumentHelp(
      "Try micro-steps on this many threads (the report and counterexamples are the same whatever the number).",
      discussion: "Default: one per core of the machine, at most 8."))
  var threads: Int?

  @Option(
    help: ArgumentHelp(
      "Keep a breadth-first level of at most this many states as whole worlds (0 to 1,000,000); a wider level keeps its states' indices and rebuilds their worlds by replay.",
      discussion:
        "More trades memory (about 8 KB a world) for less replay; the report is the same whatever it is.",
      valueName: "states"))
  var frontierWorlds: Int = RaceExplorer.defaultFrontierWorlds

  @Flag(help: "Overwrite existing counterexample files.")
  var force = false

  @OptionGroup var limitOptions: LimitOptions

  func run() throws {
    let variants = variant.isEmpty ? nil : variant
    guard maxStates > 0, depth > 0 else { throw CLIError.error("--max-states and --depth must be positive") }
    guard maxTime > 0, maxTime <= 1e9 else { throw CLIError.error("--max-time must be between 0 and 1e9 seconds") }
    // One thread per core by default: the search accounts for the helpers' work in order, so the
    // output is the same bytes whatever the number (RacesThreadsCLITests, LookaheadTests).
    let threads = self.threads ?? min(8, max(1, ProcessInfo.processInfo.activeProcessorCount))
    guard (1...256).contains(threads) else { throw CLIError.error("--threads must be between 1 and 256") }
    guard (0...1_000_000).contains(frontierWorlds) else {
      throw CLIError.error("--frontier-worlds must be between 0 and 1000000 (states kept as whole worlds per level)")
    }
    let source = try SceneLoader.load(file).get()
    let scene = Parser.parse(source)
    if scene.hasErrors {
      printError(DiagnosticRenderer(fileName: file, source: source).render(all: scene.diagnostics))
      throw ExitCode(2)
    }
    let k = kernel ?? scene.declaredModel.kernel
    for v in variants ?? [] where v.kernel != k {
      throw CLIError.error("variant '\(v.rawValue)' applies to kernel \(v.kernel.rawValue), not \(k.rawValue)")
    }
    let explorer: RaceExplorer
    let progress = ProgressLine(
      "anonvis: races \(TextSafety.escape(baseName(file)))", unit: "states", quiet: limitOptions.quiet)
    defer { progress.finish() }
    // SIGTERM, like ctrl-C, asks the search to stop and say what it covered.
    Interrupt.catchTerminate()
    var limits = limitOptions.limits(progress: progress, memory: 512)
    limits.time = .milliseconds(Int64(maxTime * 1000))
    limits.searching = { p in
      // On a narrow terminal the line drops depth, queue, rate and time before the resident
      // memory, which `--max-memory` bounds.
      progress.report(
        p.states, nil,
        detail: ["\(grouped(residentBytes() >> 20)) MB", "queue \(grouped(p.queue))", "depth \(grouped(p.depth))"],
        kept: 1)
    }
    switch RaceExplorer.prepare(
      scene: scene, title: baseName(file), kernel: kernel, variants: variants, limits: limits)
    {
    case .failure(let d):
      progress.finish()
      printError(DiagnosticRenderer(fileName: file, source: source).render(d))
      throw ExitCode(Interrupt.requested ? Interrupt.exitStatus : 2)
    case .success(let e):
      explorer = e
    }
    let start = ContinuousClock.now
    let report = explorer.explore(
      maxStates: maxStates, maxDepth: depth, maxWork: limitOptions.maxWork ?? RaceExplorer.defaultMaxWork,
      reduction: noReduction ? .none : .ampleSets, symmetry: !noSymmetry, threads: threads,
      frontierWorlds: frontierWorlds)
    progress.finish()
    let elapsed = ContinuousClock.now - start
    let seconds = elapsed.inSeconds
    let stop = report.stop.map { Self.stopped($0) }
    let model =
      explorer.timeline.kernel.rawValue
      + (explorer.timeline.variants.isEmpty
        ? "" : " (\(explorer.timeline.variants.map(\.rawValue).joined(separator: ", ")))")
    let rate = seconds > 0 ? Int(Double(report.states) / seconds) : report.states
    print(
      "\(TextSafety.escape(baseName(file))) on \(model): \(counted(report.states, "state")), "
        + "\(counted(report.transitions, "micro-step")), "
        + "\(counted(report.schedules, "end state")) (no CPU can go on), "
        + (report.exhaustive ? "exhaustive" : "NOT exhaustive: stopped " + (stop?.verdict ?? "at a bound")))
    if let covered = report.completeDepth {
      print("covered: every schedule of up to \(counted(covered, "micro-step"))")
    }
    // What it cost goes to standard error, last (on a terminal, after the report): standard
    // output is the same bytes for the same scene and bounds.
    let usage =
      "after \(grouped(report.states)) states, \(grouped(peakResidentBytes() >> 20)) MB, "
      + String(format: "%.1f s", (ContinuousClock.now - limits.start).inSeconds)
    defer {
      StandardOutput.flush()
      if isatty(STDERR_FILENO) != 0 {
        printError("anonvis: searched in \(String(format: "%.2f", seconds)) s (\(grouped(rate)) states/s)")
      }
      if let stop {
        printError("anonvis: NOT exhaustive: stopped \(stop.what) \(usage)" + (stop.raise.map { "; " + $0 } ?? ""))
      }
    }
    // Which search ran. The reduction factor (states with / without) needs the full search too:
    // `--no-reduction` runs it; here the share of states expanded by one CPU alone is known.
    print(
      "search: \(report.reduction.name)"
        + (report.reduction == .none
          ? ""
          : ", \(grouped(report.reducedExpansions)) of \(counted(report.states, "state")) expanded by one CPU's "
            + "micro-step alone"))
    print(
      "symmetry: "
        + (report.symmetry
          ? "states equal up to the pages' ids are one state (--no-symmetry to tell them apart)" : "none"))
    if let p = report.omissionProbability {
      // As TLC reports it: n states, each pair sharing a 64-bit fingerprint with probability 2^-64.
      print(
        "probability that a fingerprint collision hid a state: \(String(format: "%.1e", p)) "
          + "(64-bit fingerprints, n(n-1)/2^65 for n = \(grouped(report.states)) states)")
    }
    if let r = report.firstRefusal {
      // Schedules the model cannot run (an operation whose process is gone, say) end there; the
      // verdict covers every schedule it can run.
      print(
        "\(counted(report.refused, "micro-step")) refused by the model and not explored past, first after "
          + "\(r.schedule.count - 1) micro-steps (\(r.schedule.map { "cpu\($0)" }.joined(separator: " "))): "
          + TextSafety.escape(r.message))
    }
    guard !report.findings.isEmpty else {
      print(
        "no violation in \(counted(report.states, "state"))"
          + (report.exhaustive ? " (exhaustive)" : " (bounded search)"))
      if Interrupt.requested { throw ExitCode(Interrupt.exitStatus) }
      if !report.exhaustive { throw ExitCode(3) }
      return
    }
    // The current directory by default, as compilers and other tools write their output: never
    // into the scene's folder (a repository's scenes/), which the user did not name.
    let dir = out ?? "."
    try OutputFile.directory(dir)
    for f in report.findings {
      let base = baseName(file).replacingOccurrences(of: ".scene", with: "")
      let path = (dir as NSString).appendingPathComponent(
        "\(base).\(model.split(separator: " ").first ?? "").\(f.code).race.scene")
      try OutputFile.write(explorer.counterexample(f, source: source), to: path, force: force)
      print("\(f.code): \(TextSafety.escape(f.message))")
      print(
        "  shortest schedule: \(f.schedule.count) micro-steps: \(f.schedule.map { "cpu\($0)" }.joined(separator: " "))")
      print("  written to \(TextSafety.escape(path))")
    }
    // ctrl-C: what was found is written; the exit status says the search was interrupted.
    throw ExitCode(Interrupt.requested ? Interrupt.exitStatus : 1)
  }

  /// How the summary names the bound that stopped a search: in the verdict on standard output
  /// (its value, deterministic), and with what it cost on standard error.
  static func stopped(_ bound: RaceExplorer.Bound) -> (verdict: String, what: String, raise: String?) {
    guard bound != .interrupt else {
      let by = Interrupt.signal == SIGTERM ? "by SIGTERM" : "by ctrl-C (SIGINT)"
      return (by, by, nil)
    }
    return ("at " + bound.phrase, "at the \(bound.name) bound", bound.option.map { "raise it with " + $0 })
  }
}

/// `1 state`, `43,425 states`: a count, its digits grouped, and its noun in the number it takes.
func counted(_ n: Int, _ noun: String) -> String {
  "\(grouped(n)) \(noun)\(n == 1 ? "" : "s")"
}
