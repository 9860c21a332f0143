import AnonVMASim
import ArgumentParser
import Foundation
import SafeText
import StandardStreams

/// `anonvis-bench`: speed and memory of anonvis on generated workloads, every figure beside its
/// target. Run it in release: `swift run -c release anonvis-bench`.
struct Bench: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "anonvis-bench",
    abstract: "Measure speed and memory on generated workloads; prints every figure beside its target.")

  @Flag(help: "Small workloads and one repetition (for CI).")
  var quick = false

  @Flag(help: "Print the figures as JSON.")
  var json = false

  @Option(
    help:
      "Measure one group only: w1, w2, w3, seek, frame, keys, compare, cast, races (W1 is built for seek, frame, keys and compare)."
  )
  var only: String?

  @Option(help: "Keys pressed per view in the keys group (default 1000, 40 with --quick; fewer to profile).")
  var keys: Int?

  @Option(
    help: ArgumentHelp(
      "Print a workload's scene (w1, w1-6.1, w2, w2-6.1, w3, w1-cast) instead of measuring, "
        + "to profile it with `anonvis check`."))
  var emit: String?

  func run() throws {
    var sizes = Sizes(quick: quick)
    if let keys {
      guard keys > 0 else {
        printError("error: --keys needs a positive count")
        throw ExitCode(2)
      }
      sizes.keys = keys
    }
    if let emit {
      guard let text = sizes.scenes[emit] else {
        printError("error: unknown workload '\(TextSafety.escape(emit))' (w1, w1-6.1, w2, w2-6.1, w3, w1-cast)")
        throw ExitCode(2)
      }
      StandardOutput.write(text)
      return
    }
    if let only, !Groups.names.contains(only) {
      printError("error: unknown group '\(TextSafety.escape(only))' (\(Groups.names.joined(separator: ", ")))")
      throw ExitCode(2)
    }
    let figures = measure(sizes)
    if Interrupt.requested {
      printError("anonvis-bench: interrupted; the figures measured before ctrl-C follow")
    }
    StandardOutput.write(json ? Report.json(figures, quick: quick) : Report.table(figures, quick: quick))
    if Interrupt.requested { throw ExitCode(130) }
  }

  /// Runs the groups asked for, with a progress line drawn between measurements, never during
  /// one; after ctrl-C, the ones not yet measured are skipped.
  func measure(_ sizes: Sizes) -> [Figure] {
    var groups = Groups(sizes: sizes)
    let progress = ProgressLine("anonvis-bench", unit: "figures", quiet: json)
    defer { progress.finish() }
    func want(_ group: String) -> Bool {
      guard progress.report(groups.figures.count, nil) else { return false }
      return only == nil || only == group
    }
    groups.w1(measured: want("w1"))
    for kernel in [KernelVersion.v2_6_36, .v6] where want("w2") { groups.w2(kernel) }
    if want("w3") { groups.w3() }
    if want("seek") { groups.seek() }
    if want("frame") { groups.frame() }
    if want("keys") { groups.keys() }
    if want("compare") { groups.compare() }
    if want("cast") { groups.cast() }
    if want("races") { groups.races() }
    groups.figures.append(Figure(name: "peak resident memory", value: Harness.peakRSSMB(), unit: "MB"))
    return groups.figures
  }

  /// Parses and runs; ArgumentParser's own messages echo the arguments, so they are escaped.
  static func start() {
    StandardOutput.flushAtExit(program: "anonvis-bench")
    do {
      var command = try parseAsRoot()
      try command.run()
    } catch {
      let code = exitCode(for: error)
      if code == .success { exit(withError: error) }  // --help: to stdout, unchanged
      let message = fullMessage(for: error)
      if !message.isEmpty { printError(message) }
      Foundation.exit(code.rawValue)
    }
  }
}

Bench.start()
