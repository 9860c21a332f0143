import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// An explore session keeps the worlds its diagram plans read (``PlanWorlds``) and replays only
/// the steps typed since: its worlds, and so its plans, must be the ones a plan reads afresh.
@Suite("Explore plans over kept worlds: the same worlds and plans as read afresh")
struct DiagramPlanWorldsTests {
  /// The scene's operation lines, as a person would type them in explore.
  static func operationLines(_ source: String) -> [String] {
    source.split(separator: "\n").map(String.init).filter { line in
      switch Parser.parse(line).statements.first?.statement {
      case .operation?, .on?: return true
      default: return false
      }
    }
  }

  static func text(_ plan: ForestDiagram.Plan?) -> String {
    var out = ""
    dump(plan, to: &out)
    return out
  }

  /// Whether the session's kept worlds and its plan are the ones read afresh from its timeline.
  static func check(_ s: AppState, _ context: String) {
    guard s.timeline.stepCount <= PlannedTimeline.maxSteps, let plan = s.diagramPlan else {
      Issue.record("no plan: \(context)")
      return
    }
    let fresh = ForestDiagram.Plan.worlds(s.timeline)
    let kept = s.planWorlds
    // Compared as one Bool each: a failure would otherwise print every world.
    let sameTimes = kept?.times == fresh.times
    let sameWorlds = kept?.worlds == fresh.worlds
    #expect(sameTimes && sameWorlds, "\(context): \(kept?.worlds.count ?? -1) worlds kept, \(fresh.worlds.count) read")
    let planned = PlannedTimeline(s.timeline, width: plan.key.width, rows: plan.key.rows)
    let samePlan = text(plan.plan) == text(planned.plan)
    #expect(samePlan, "\(context)")
  }

  static let scenes = [
    "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
    "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene", "every-operation.scene",
  ]

  @Test(
    "a scene typed line by line in explore, with undo and redo between, at a wide and a narrow size: each step's kept worlds and plan are the fresh ones",
    arguments: scenes)
  func typedScene(_ name: String) throws {
    let source = try String(contentsOf: repoRoot.appendingPathComponent("scenes/\(name)"), encoding: .utf8)
    let played = Timeline(scene: Parser.parse(source), defaultTitle: name)
    for (width, height) in [(200, 50), (100, 40)] {
      var s = AppState(
        timeline: Timeline(
          title: "t", kernel: played.kernel, variants: played.variants, cpus: played.cpuCount),
        fileName: "t")
      s.explore = true
      s.forestView = .diagram
      _ = s.frame(width: width, height: height)
      for (i, line) in Self.operationLines(source).enumerated() {
        _ = send(&s, [.char(":")] + chars(line) + [.enter])
        _ = s.frame(width: width, height: height)
        Self.check(s, "\(name) \(width)x\(height) after \(line) (\(i))")
        // Every third line undone and redone, every seventh undone for good (the next line types
        // over it): the kept worlds are cut back to the shared steps.
        if i % 3 == 2 {
          _ = send(&s, [.char("u")])
          _ = s.frame(width: width, height: height)
          Self.check(s, "\(name) \(width)x\(height) undo after \(line) (\(i))")
          if i % 7 != 6 {
            _ = send(&s, [.char("\u{12}")])
            _ = s.frame(width: width, height: height)
            Self.check(s, "\(name) \(width)x\(height) redo after \(line) (\(i))")
          }
        }
      }
    }
  }

  @Test("a what-if branch from a played scene: the branch's kept worlds and plan are the fresh ones")
  func whatIfBranch() throws {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    _ = s.frame(width: 200, height: 50)
    send(&s, [.char("g"), .char("4"), .enter])
    _ = s.frame(width: 200, height: 50)
    for line in ["exit P1", "fork P3 P4", "touch P4 A 0", "exit P3"] {
      _ = send(&s, [.char(":")] + chars(line) + [.enter])
      _ = s.frame(width: 200, height: 50)
      #expect(s.explore)
      Self.check(s, "what-if \(line)")
    }
  }
}
