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

  /// Runs every step on the executor and compares; prints the report. Returns the exit status.
  func run(on executor: ConformExecutor, fault: ConformFault?) -> Int32 {
    var pids: [Int: Int32] = [:]
    var disagreeing = 0
    var compared = 0
    var next = 1
    func reportSkipped(upTo last: Int) {
      while next <= last {
        if let s = skipped[next] {
          print("step \(next)  \(TextSafety.escape(s.label)): skipped (\(s.reason))")
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
      let before = timeline.states[k - 1]
      let after = timeline.states[k]
      var lines = ConformPlan.commands(for: op, before: before, after: after).map { ($0, $0.line) }
      if let fault, fault.step == step, fault.kind != .flipExclusive, let victim = pids.keys.sorted().first {
        lines.insert((.exit(victim), "\(victim) \(fault.kind.rawValue)"), at: 0)
      }
      for (command, line) in lines {
        let answer = executor.send(line)
        guard let answer, answer.hasPrefix("ok") || answer.hasPrefix("err") else {
          print("step \(step)  \(TextSafety.escape(info.label)): \(lostReason(answer, executor, after))")
          return 2
        }
        if answer.hasPrefix("err") {
          disagreeing += 1
          print("step \(step)  \(TextSafety.escape(info.label)): DISAGREE")
          print("    \(command.line): the model carried it out, the kernel said \(answer.dropFirst(4))")
          continue
        }
        if command.answersPID, let pid = Int32(answer.dropFirst(3)) {
          switch command {
          case .spawn(let id), .fork(_, let id): pids[id] = pid
          default: break
          }
        }
        if case .exit(let id) = command { pids[id] = nil }
      }
      var kernelFacts = Facts()
      for id in after.processIDs where after[process: id].alive {
        guard let pid = pids[id.raw] else { continue }
        do {
          kernelFacts.processes[after[process: id].name] = try KernelFactReader.process(pid: pid)
        } catch {
          print("step \(step)  \(TextSafety.escape(info.label)): \(error)")
          return 2
        }
      }
      if let fault, fault.kind == .flipExclusive, fault.step == step { kernelFacts.flipFirstExclusive() }
      let modelFacts = Facts(model: after)
      let found = Comparer.compare(model: modelFacts, kernel: kernelFacts, world: after)
      compared += 1
      if found.isEmpty {
        print("step \(step)  \(TextSafety.escape(info.label)): agree (\(summary(modelFacts)))")
      } else {
        disagreeing += 1
        print("step \(step)  \(TextSafety.escape(info.label)): DISAGREE")
        for d in found {
          print("    \(TextSafety.escape(d.place)): \(d.kind.rawValue): model \(d.model), kernel \(d.kernel)")
        }
      }
    }
    reportSkipped(upTo: sceneSteps)
    let skippedText = skipped.isEmpty ? "" : ", \(skipped.count) skipped"
    print(
      "conform: \(compared) step(s) compared, \(compared - disagreeing) agree, \(disagreeing) disagree\(skippedText)")
    return disagreeing == 0 ? 0 : 1
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
    case "timeout": return "\(who) did not finish the step within --step-timeout; every scene process was killed"
    case "died": return "\(who) died (crashed or was killed); every scene process was killed"
    default: return "the executor stopped answering; every scene process was killed"
    }
  }

  /// `2 processes, 3 VMAs, 5 pages (2 shared)`: what was compared.
  func summary(_ facts: Facts) -> String {
    let vmas = facts.processes.values.reduce(0) { $0 + $1.vmas.count }
    let pages = facts.processes.values.flatMap { $0.pages.values }
    let shared = pages.filter { ($0.kind == .anon || $0.kind == .ksm) && $0.mapcount > 1 }.count
    let zero = pages.filter { $0.kind == .zero }.count
    var text = "\(facts.processes.count) process(es), \(vmas) VMA(s), \(pages.count) page(s)"
    if shared > 0 { text += ", \(shared) shared" }
    if zero > 0 { text += ", \(zero) zero" }
    return text
  }
}
