import AnonVMASim
import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("The matrix draws the lock mark its legend explains, at micro-steps and at whole steps")
struct MatrixLockTests {
  /// The anon_vmas a world's held locks cover: each locked one and every one whose lock is it
  /// (its root in 2.6.36 and 6.x; only itself in 2.6.34).
  static func cover(_ w: World) -> Set<AnonVMAID> {
    let locked = Set(w.lockHolders.keys)
    var out = locked
    for a in w.aliveAnonVMAs where locked.contains(w.lockTarget(of: a)) { out.insert(a) }
    return out
  }

  /// The anon_vmas whose detail line under the matrix carries the lock mark `▌`.
  static func marked(_ frame: String, _ w: World) -> Set<AnonVMAID> {
    var out = Set<AnonVMAID>()
    for a in w.aliveAnonVMAs {
      let name = World.avName(a)
      if frame.split(separator: "\n").contains(where: { row in
        ["+", "~", " ", "-"].contains { row.contains("│\($0)▌\(name) ") }
      }) {
        out.insert(a)
      }
    }
    return out
  }

  static let scenes: [(String, KernelVersion?)] =
    [
      "e1-first-touch.scene", "e2-fork-cow.scene", "e3-three-generations.scene", "e4-split-merge.scene",
      "e5-rmap-coverage.scene", "e6-ksm-root-lifetime.scene",
    ].map { ($0, nil) } + [("e3-three-generations.scene", .v2_6_34), ("e3-three-generations.scene", .v6)]

  static func state(_ name: String, _ kernel: KernelVersion?, view: ForestView) throws -> AppState {
    var s = try sceneApp(name, view: view)
    if let kernel, let scene = s.scene {
      s = AppState(timeline: Timeline(scene: scene, defaultTitle: name, kernel: kernel), fileName: name)
      s.scene = scene
      s.forestView = view
    }
    return s
  }

  @Test(
    "every micro-step holding a lock marks exactly the anon_vmas it covers; a whole step marks those of one of its holds and names it",
    arguments: scenes.indices)
  func lockMarks(_ index: Int) throws {
    let (name, kernel) = Self.scenes[index]
    var s = try Self.state(name, kernel, view: .matrix)
    var wholeStepsMarked = 0
    for k in 1...s.timeline.stepCount {
      s.go(to: k)
      let micro = s.timeline.replay.microStates(step: k)
      // The whole step.
      let frame = s.render(width: 200, height: 60).plainText
      let w = s.timeline.states[k]
      let drawn = Self.marked(frame, w)
      let holds = micro.enumerated().filter { !$0.element.world.lockHolders.keys.isEmpty }
      if holds.isEmpty {
        #expect(drawn.isEmpty && !frame.contains("▌"), "\(name) step \(k): a mark with no lock taken")
        continue
      }
      // No hold covers an anon_vma alive after the step: nothing marked, as the diagram draws no
      // outline (`not shown`).
      if holds.allSatisfy({ Self.cover($0.element.world).allSatisfy { w.anonVMA($0)?.alive != true } }) {
        #expect(drawn.isEmpty && !frame.contains("▌"), "\(name) step \(k): a mark of a freed anon_vma")
        continue
      }
      // The legend names the micro-step whose hold is drawn; the marks are its cover (of the
      // anon_vmas still alive after the step).
      let legend = try #require(
        frame.firstMatch(of: /▌ under (.+)'s lock \((.+), micro-step (\d+)\/(\d+)\)/), "\(name) step \(k)")
      let m = try #require(Int(legend.3))
      #expect(Int(legend.4) == micro.count)
      let held = micro[m - 1].world
      #expect(!held.lockHolders.keys.isEmpty, "\(name) step \(k): micro-step \(m) holds no lock")
      let expected = Self.cover(held).filter { w.anonVMA($0)?.alive == true }
      #expect(drawn == expected, "\(name) step \(k) at micro-step \(m): drawn \(drawn), covered \(expected)")
      // The locks named: those whose cover is drawn.
      let outlined = held.lockHolders.keys.filter { l in expected.contains { held.lockTarget(of: $0) == l } }
      #expect(String(legend.1) == outlined.sorted().map { World.avName($0) }.joined(separator: " "))
      if !expected.isEmpty { wholeStepsMarked += 1 }
      // Each micro-step holding a lock.
      for (i, state) in holds {
        s.selectMicro(i)
        s.refreshLayout()
        let frame = s.render(width: 200, height: 60).plainText
        let cover = Self.cover(state.world)
        #expect(
          Self.marked(frame, state.world) == cover, "\(name) step \(k).\(i + 1): \(Self.marked(frame, state.world))")
        #expect(frame.contains("▌ locked"))
      }
      s.go(to: k)
    }
    #expect(wholeStepsMarked > 0, "\(name): no whole step shows a lock")
  }
}
