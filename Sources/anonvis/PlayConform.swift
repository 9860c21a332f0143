import AnonVMASim
import ArgumentParser
import Conformance
import Foundation
import ScenePlayer
import SceneScript
import StandardStreams

#if canImport(Glibc)
import Glibc
#endif

/// `play --conform`: the scene runs on this machine's kernel before the view starts, step by
/// step as `anonvis conform` runs it, and the viewer then shows each step's verdict and facts
/// from that record (stepping back never runs the kernel again). Every scene process is killed
/// and reaped, and every KSM knob restored, before the terminal is taken over.
struct PlayConform {
  var file: String
  var skipUnsupported: Bool
  var stepTimeout: Int
  var fault: ConformFault?
  var limits: Limits

  /// The timeline of the model compared (the model of the running kernel) and the kernel's
  /// record of it; exit 2 with a message when it cannot run, 128 + N after signal N.
  func run(scene: Scene) throws -> (Timeline, KernelRecord) {
    let command = "play --conform"
    let release = try Conform.runningLinux(command)
    let model = try Conform.defaultModel(release: release, command: command)
    try Conform.requireRoot(command)
    let plan = try ConformRun.prepare(
      scene: scene, file: file, model: model, machine: Conform.machine(), skipUnsupported: skipUnsupported,
      limits: limits)
    // Checked before the kernel runs the scene: the view would not start after it.
    guard isInteractiveTerminal else {
      throw CLIError.error("the interactive view needs a terminal; 'anonvis conform' prints the comparison")
    }
    // The viewer plays the whole scene on the compared model; the steps left out keep a `–`.
    let base = file.split(separator: "/").last.map(String.init) ?? file
    var timeline = Timeline(scene: scene, defaultTitle: base, kernel: model, limits: limits)
    if !timeline.runtimeDiagnostics.isEmpty { timeline = plan.timeline }
    guard let exec = ConformExecutor.path else { throw Conform.noExecutor }
    let executor = try ConformExecutor(path: exec, stepTimeoutMS: stepTimeout * 1000)
    let progress = isatty(STDERR_FILENO) != 0
    let outcome = plan.run(on: executor, fault: fault, echo: false) { step in
      if progress {
        writeStandardError(
          "\ranonvis: running \(TextSafety.escape(base)) on Linux \(release): step \(step) of \(plan.sceneSteps)\u{1B}[K"
        )
      }
    }
    executor.stop()
    if progress { writeStandardError("\r\u{1B}[K") }
    ConformExecutor.exitIfInterrupted(executor)
    // The executor is gone: ctrl-C and SIGTERM end anonvis again until the view handles them.
    signal(SIGINT, SIG_DFL)
    signal(SIGTERM, SIG_DFL)
    if let stopped = outcome.stopped { throw CLIError.error("\(command): \(TextSafety.escape(stopped))") }
    return (timeline, Self.record(timeline: timeline, plan: plan, outcome: outcome, release: release))
  }

  /// The record by step of the viewer's timeline (its steps are matched to the scene's by line).
  static func record(timeline: Timeline, plan: ConformRun, outcome: ConformRun.Outcome, release: String)
    -> KernelRecord
  {
    var steps: [Int: KernelStep] = [:]
    for k in 1...max(1, timeline.stepCount) where k <= timeline.stepCount {
      guard let location = timeline.steps[k].location, let step = plan.sceneStep[location],
        let found = outcome.steps[step]
      else { continue }
      steps[k] = found
    }
    return KernelRecord(release: release, steps: steps)
  }
}
