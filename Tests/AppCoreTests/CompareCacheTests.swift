import AnonVMASim
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Compare: the other half's account and what differs, worked out once per step, equal fresh ones")
struct CompareCacheTests {
  static let scenes = lectureScenes

  /// The kept view against one made from scratch: the account (`compareAccount`, which
  /// summarises both worlds itself) and the diffs (both worlds summarised anew).
  static func check(_ s: AppState, _ what: String) throws {
    let view = try #require(s.compareView, "\(what): no view kept")
    #expect(view.key == s.compareViewKey, "\(what): the kept view is of other layouts")
    let other = try #require(s.compareTimeline)
    let lower = try #require(s.compareLayout)
    #expect(view.account == s.compareAccount(other, lower), "\(what): account")
    if s.micro == nil || (lower.key.micro != nil && s.layout.diagramExcess == nil && lower.diagramExcess == nil) {
      // A step, or a micro-step beside the other model's paired one.
      #expect(view.diffs?.this == CompareDiff(s.layout.world, against: lower.world), "\(what): this half's diff")
      #expect(view.diffs?.other == CompareDiff(lower.world, against: s.layout.world), "\(what): the other half's diff")
    } else {
      #expect(view.diffs == nil, "\(what): a micro-step beside a step without micro-steps shows no diff")
    }
  }

  @Test(
    "at every step of E1-E6 beside 2.6.34 and 6.x, stepping forward, back and into micro-steps: the kept view equals a fresh one",
    arguments: scenes)
  func everyStep(_ name: String) throws {
    for kernel in [KernelVersion.v2_6_34, .v6] {
      for view in [ForestView.diagram, .matrix] {
        var s = try sceneApp(name, view: view)
        s.setCompare(kernel)
        var microSteps = 0
        try Self.check(s, "\(name) on \(kernel) step 0")
        for k in 1...s.timeline.stepCount {
          _ = s.reduce(.key(.right))
          #expect(s.step == k)
          try Self.check(s, "\(name) \(kernel) \(view) step \(k)")
          // Into the step's first micro-step and out again.
          _ = s.reduce(.key(.down))
          if s.micro != nil { microSteps += 1 }
          try Self.check(s, "\(name) \(kernel) \(view) step \(k).\(s.micro.map { $0 + 1 } ?? 0)")
          _ = s.reduce(.key(.up))
          try Self.check(s, "\(name) \(kernel) \(view) step \(k) again")
        }
        #expect(microSteps > 0, "\(name): no micro-step was entered")
        for k in stride(from: s.timeline.stepCount - 1, through: 0, by: -1) {
          _ = s.reduce(.key(.left))
          #expect(s.step == k)
          try Self.check(s, "\(name) \(kernel) \(view) back at step \(k)")
        }
      }
    }
  }

  @Test(
    "a frame drawn from the kept view equals one drawn with the view worked out for that frame, side by side and stacked"
  )
  func framesEqual() throws {
    for name in Self.scenes {
      var s = try sceneApp(name, view: .diagram)
      s.setCompare(.v2_6_34)
      for k in 0...s.timeline.stepCount {
        s.go(to: k)
        var fresh = s
        fresh.compareView = nil
        for (w, h) in [(200, 60), (120, 40)] {
          #expect(s.render(width: w, height: h) == fresh.render(width: w, height: h), "\(name) step \(k) \(w)x\(h)")
        }
      }
    }
  }
}
