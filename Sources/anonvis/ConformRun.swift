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

/// A scene ready to conform: the model's timeline of the steps that run on the kernel, and the
/// scene's steps left out (with why).
struct ConformRun {
  var file: String
  var timeline: Timeline
  /// The scene's step number (counting every operation and `on` line) of each statement that
  /// makes a step, by its line and column.
  var sceneStep: [SourceLocation: Int]
  var sceneSteps: Int
  /// Steps left out, by scene step number, with the reason.
  var skipped: [Int: (label: String, reason: String)]

  /// Checks the scene's steps against what this machine can run. Unsupported steps are an
  /// error (exit 2, each named) unless `skipUnsupported`, which leaves them out, and then also
  /// every step the model refuses without them.
  static func prepare(
    scene: Scene, file: String, model: KernelVersion, machine: Machine, skipUnsupported: Bool, limits: Limits
  ) throws -> ConformRun {
    var stepOf: [SourceLocation: Int] = [:]
    var skipped: [Int: (label: String, reason: String)] = [:]
    var kept: [LocatedStatement] = []
    var problems: [String] = []
    for s in scene.statements {
      switch s.statement {
      case .operation, .on:
        let step = stepOf.count + 1
        stepOf[s.location] = step
        if let reason = ConformPlan.unsupported(s.statement, on: machine) {
          skipped[step] = (Timeline.label(s.statement), reason)
          problems.append(
            "\(TextSafety.escape(file)):\(s.location.line): step \(step) "
              + "\(TextSafety.escape(Timeline.label(s.statement))): \(reason)")
          continue
        }
      default: break
      }
      kept.append(s)
    }
    if !problems.isEmpty && !skipUnsupported {
      throw CLIError.error(
        problems.joined(separator: "\n") + "\nconform: \(problems.count) step(s) cannot run on this machine; "
          + "--skip-unsupported compares the others")
    }
    // Without a skipped step a later one may not apply (a ksm-unmerge of a merge left out):
    // leave it out too, and run the model again.
    while true {
      let reduced = Scene(statements: kept, diagnostics: [])
      let timeline = Timeline(scene: reduced, defaultTitle: file, kernel: model, limits: limits)
      guard let d = timeline.runtimeDiagnostics.first else {
        if let pages = Self.pagesMapped(timeline), pages > Conform.maxPages {
          throw CLIError.error("conform: the scene maps \(pages) pages; the executor maps at most \(Conform.maxPages)")
        }
        return ConformRun(
          file: file, timeline: timeline, sceneStep: stepOf, sceneSteps: stepOf.count, skipped: skipped)
      }
      guard let index = kept.firstIndex(where: { $0.location == d.location }), !skipped.isEmpty,
        let step = stepOf[d.location]
      else {
        printError(DiagnosticRenderer(fileName: file, source: "").render(d))
        throw ExitCode(2)
      }
      skipped[step] = (Timeline.label(kept[index].statement), "the model refuses it without the steps left out")
      kept.remove(at: index)
    }
  }

  /// The pages of every mmap of the scene.
  static func pagesMapped(_ timeline: Timeline) -> Int? {
    timeline.steps.reduce(0) { total, step in
      if case .operation(.mmap(_, _, let n, _)) = step.statement { return total + n }
      return total
    }
  }

  /// What a run found.
  struct Outcome {
    /// 0 all agree, 1 a disagreement, 2 the run stopped (a scene process died, a timeout, ...).
    var status: Int32 = 0
    var compared = 0
    var disagreeingSteps = 0
    /// Every disagreement with its scene step and the step's label.
    var found: [(step: Int, label: String, disagreement: Disagreement)] = []
    /// Each scene step compared or left out, with the facts of both sides (`play --conform`).
    var steps: [Int: KernelStep] = [:]
    /// Why the run stopped before its end (status 2).
    var stopped: String?
  }

  /// Runs every step on the executor and compares; with `echo`, prints the report step by step.
  /// `progress` is told each scene step before it runs.
  func run(
    on executor: ConformExecutor, fault: ConformFault?, echo: Bool = true, progress: ((Int) -> Void)? = nil
  ) -> Outcome {
    var outcome = Outcome()
    var pids: [Int: Int32] = [:]
    var ksm = KSMContent(
      enabled: timeline.steps.contains {
        switch $0.statement {
        case .operation(.ksmMerge), .operation(.ksmUnmerge), .operation(.ksmdScan): return true
        default: return false
        }
      })
    var next = 1
    func say(_ text: String) { if echo { print(text) } }
    func reportSkipped(upTo last: Int) {
      while next <= last {
        if let s = skipped[next] {
          say("step \(next)  \(TextSafety.escape(s.label)): skipped (\(s.reason))")
          outcome.steps[next] = KernelStep(notCompared: s.reason)
        }
        next += 1
      }
    }
    for k in 1...max(1, timeline.stepCount) where k <= timeline.stepCount {
      let info = timeline.steps[k]
      guard let location = info.location, let step = sceneStep[location], case .operation(let op) = info.statement
      else { continue }
      reportSkipped(upTo: step - 1)
      next = step + 1
      let label = TextSafety.escape(info.label)
      progress?(step)
      var found: [Disagreement]
      switch runStep(k, op, step: step, on: executor, pids: &pids, ksm: &ksm, fault: fault) {
      case .failure(let stop):
        say("step \(step)  \(label): \(stop.message)")
        outcome.status = 2
        outcome.stopped = "step \(step) \(label): \(stop.message)"
        return outcome
      case .success(let result):
        found = result.found
        outcome.steps[step] = KernelStep(
          model: Facts(model: timeline.states[k]), kernel: result.kernel, disagreements: result.found,
          skippedBefore: skipped.keys.filter { $0 < step }.sorted())
      }
      outcome.compared += 1
      if found.isEmpty {
        say("step \(step)  \(label): agree (\(KernelText.summary(Facts(model: timeline.states[k]))))")
        continue
      }
      outcome.disagreeingSteps += 1
      say("step \(step)  \(label): DISAGREE")
      for d in found {
        say("    \(TextSafety.escape(d.place)): \(d.kind.rawValue): model \(d.model), kernel \(d.kernel)")
        outcome.found.append((step, info.label, d))
      }
    }
    reportSkipped(upTo: sceneSteps)
    let skippedText = skipped.isEmpty ? "" : ", \(skipped.count) skipped"
    say(
      "conform: \(outcome.compared) step(s) compared, \(outcome.compared - outcome.disagreeingSteps) agree, "
        + "\(outcome.disagreeingSteps) disagree\(skippedText)")
    outcome.status = outcome.disagreeingSteps == 0 ? 0 : 1
    return outcome
  }

  /// Why a run stopped before its end.
  struct Stop: Error {
    var message: String
  }

  /// One step: its commands on the executor, then the kernel's facts against the model's.
  func runStep(
    _ k: Int, _ op: AnonVMASim.Operation, step: Int, on executor: ConformExecutor, pids: inout [Int: Int32],
    ksm: inout KSMContent, fault: ConformFault?
  ) -> Result<(found: [Disagreement], kernel: Facts), Stop> {
    let after = timeline.states[k]
    var lines: [(ExecutorCommand, String)]
    do {
      lines = try ConformPlan.commands(for: op, before: timeline.states[k - 1], after: after, ksm: &ksm)
        .map { ($0, $0.line) }
    } catch {
      return .failure(Stop(message: "cannot run here: \(error.reason)"))
    }
    if let fault, fault.step == step, fault.kind != .flipExclusive, let victim = pids.keys.sorted().first {
      lines.insert((.exit(victim), "\(victim) \(fault.kind.rawValue)"), at: 0)
    }
    var found: [Disagreement] = []
    for (command, line) in lines {
      let answer = executor.send(line)
      guard let answer, answer.hasPrefix("ok") || answer.hasPrefix("err") else {
        return .failure(Stop(message: lostReason(answer, executor, after)))
      }
      if answer.hasPrefix("err") {
        found.append(
          Disagreement(
            kind: .syscall, place: line, model: "carried out", kernel: "refused (\(answer.dropFirst(4)))"))
        continue
      }
      switch command {
      case .spawn(let id), .fork(_, let id): pids[id] = Int32(answer.dropFirst(3))
      case .exit(let id): pids[id] = nil
      default: break
      }
    }
    var kernelFacts = Facts()
    for id in after.processIDs where after[process: id].alive {
      guard let pid = pids[id.raw] else { continue }
      do {
        kernelFacts.processes[after[process: id].name] = try KernelFactReader.process(pid: pid)
      } catch {
        return .failure(Stop(message: "\(error)"))
      }
    }
    if let fault, fault.kind == .flipExclusive, fault.step == step { kernelFacts.flipFirstExclusive() }
    return .success(
      (found + Comparer.compare(model: Facts(model: after), kernel: kernelFacts, world: after), kernelFacts))
  }

  /// Why the executor stopped answering: "timeout N", "died N" (N the process's model id), or gone.
  func lostReason(_ answer: String?, _ executor: ConformExecutor, _ world: World) -> String {
    if executor.interruptedBy != 0 { return "interrupted; every scene process was killed" }
    let words = answer?.split(separator: " ") ?? []
    let name =
      words.count == 2
      ? Int(words[1]).map { ProcessID($0) }.flatMap { world.isAllocated($0) ? world[process: $0].name : nil } : nil
    let who = name.map { "the process of \($0)" } ?? "a scene process"
    switch words.first {
    case "timeout" where words.last == "ksmd":
      return "ksmd made no progress for --step-timeout; the KSM knobs were restored, every scene process killed"
    case "timeout": return "\(who) did not finish the step within --step-timeout; every scene process was killed"
    case "died": return "\(who) died (crashed or was killed); every scene process was killed"
    default: return "the executor stopped answering; every scene process was killed"
    }
  }
}
