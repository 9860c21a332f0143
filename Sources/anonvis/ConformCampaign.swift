import AnonVMASim
import Conformance
import Foundation
import ScenePlayer
import SceneScript
import StandardStreams

/// `conform --random N --seed S`: N seeded random scenes, each on the model and on the kernel;
/// the report groups the disagreements by kind and shows the smallest scene of each.
struct ConformCampaign {
  var count: Int
  var seed: UInt64
  var model: KernelVersion
  var stepTimeoutMS: Int
  var executorPath: String
  var limits: Limits

  /// The smallest scene that showed a kind of disagreement.
  struct Example {
    var index: Int
    var steps: Int
    var scene: String
    var first: String
    var scenes = 1
  }

  func run(release: String) throws -> Int32 {
    print("conform --random \(count) --seed \(seed): model \(model.rawValue), kernel Linux \(release)")
    var examples: [Disagreement.Kind: Example] = [:]
    var steps = 0
    var disagreeing = 0
    let machine = Machine(numaNodes: 1, hasSwap: false)
    for index in 0..<count {
      let text = RandomScenes.scene(seed: seed, index: index)
      let name = "random-\(seed)-\(index).scene"
      let plan = try ConformRun.prepare(
        scene: Parser.parse(text), file: name, model: model, machine: machine, skipUnsupported: false, limits: limits)
      let executor = try ConformExecutor(path: executorPath, stepTimeoutMS: stepTimeoutMS)
      let outcome = plan.run(on: executor, fault: nil, echo: false)
      executor.stop()
      ConformExecutor.exitIfInterrupted(executor)
      if outcome.status == 2 {
        print("scene \(index): the run stopped; the scene was:\n" + indent(text))
        return 2
      }
      steps += outcome.compared
      guard !outcome.found.isEmpty else { continue }
      disagreeing += 1
      for kind in Set(outcome.found.map(\.disagreement.kind)) {
        guard let first = outcome.found.first(where: { $0.disagreement.kind == kind }) else { continue }
        let line =
          "step \(first.step) \(first.label): \(first.disagreement.place): model \(first.disagreement.model), "
          + "kernel \(first.disagreement.kernel)"
        let example = Example(
          index: index, steps: plan.timeline.stepCount, scene: text, first: line,
          scenes: (examples[kind]?.scenes ?? 0) + 1)
        if let old = examples[kind], old.steps <= example.steps {
          examples[kind]?.scenes += 1
        } else {
          examples[kind] = example
        }
      }
    }
    print("conform: \(count) scene(s), \(steps) step(s) compared, \(count - disagreeing) scene(s) agree")
    for kind in Disagreement.Kind.allCases {
      guard let e = examples[kind] else { continue }
      print(
        "\(kind.rawValue): \(e.scenes) scene(s); the smallest, scene \(e.index) (\(e.steps) steps), "
          + "first at \(TextSafety.escape(e.first)):\n" + indent(e.scene))
    }
    return disagreeing == 0 ? 0 : 1
  }

  func indent(_ text: String) -> String {
    text.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n")
  }
}
