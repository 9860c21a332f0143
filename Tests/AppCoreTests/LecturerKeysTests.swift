import AnonVMASim
import Foundation
import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// Keys a lecturer tried at 80x24 (issue 16, "keys without hidden state"): what each key does
/// now is what it did, and what the status hints and notices say.
@Suite("Keys a lecturer tried: find and esc, compare at a small size, the ends of the scene")
struct LecturerKeysTests {
  @Test(
    "esc after a / find takes the focus back to the pane it was on before /, as the status hint says",
    arguments: [ForestView.diagram, .matrix])
  func escAfterFind(view: ForestView) throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: view), width: 80, height: 24)
    d.type("g4\n")
    #expect(d.state.focus == .steps)
    #expect(!d.screen.contains("esc back"))
    d.type("/P2\n")
    #expect(d.state.focus != .steps, "the find moved the focus to what it found")
    #expect(d.screen.contains("esc back to narration"), "\(d.screen)")
    d.press(.escape)
    #expect(d.state.focus == .steps)
    #expect(!d.screen.contains("esc back"))
    // Esc again does nothing more; a find from the narration, then tab: esc keeps tab's focus.
    d.press(.escape)
    #expect(d.state.focus == .steps)
    d.type("/P1\n")
    d.press(.tab)
    let tabbed = d.state.focus
    #expect(!d.screen.contains("esc back"))
    d.press(.escape)
    #expect(d.state.focus == tabbed)
    // A find cancelled with esc moves nothing.
    d.press(.tab)
    let before = d.state.focus
    d.press(.char("/"), .char("P"), .escape)
    #expect(d.state.focus == before && d.state.prompt == nil)
  }

  @Test(
    "c at 80x24 cycles no model it cannot show: it says the size two models need; a comparison on is turned off by c, as its notice says"
  )
  func compareTooSmall() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 80, height: 24)
    d.type("g4\n")
    for _ in 0..<3 {
      d.press(.char("c"))
      #expect(d.state.compareTimeline == nil, "c at 80x24 turned a comparison on")
      #expect(d.state.notice?.kind == .warning)
      #expect(d.screen.contains("no room to compare: it needs 160 columns or 40 rows (now 80×24)"))
      #expect(!d.screen.contains("compare with"))
    }
    // On (`--compare`, or c at a larger size), then at 80x24: the notice names the model and the
    // key; c turns it off rather than cycling to a model it cannot show either.
    var s = try sceneApp("e2-fork-cow.scene", view: .diagram)
    s.go(to: 4)
    s.setCompare(.v2_6_34)
    // The notice wraps at a word in the 78 columns of the narration pane: read as one line.
    let frame = s.frame(width: 80, height: 24).plainText.replacingOccurrences(of: "│\n│", with: " ")
      .split(separator: " ").joined(separator: " ")
    #expect(
      frame.contains("compare with 2.6.34 needs 160 columns or 40 rows (now 80×24); c turns it off"), "\(frame)")
    // On one row of the 78 (it read `comparing with`, 82 columns: `c turns it` on screen, `off`
    // under `↓ N more` at E3's last step).
    #expect(
      s.frame(width: 80, height: 24).plainText.contains(
        "⚠ compare with 2.6.34 needs 160 columns or 40 rows (now 80×24); c turns it off"))
    #expect(s.validKeys.contains { $0.0 == "c" && $0.1.hasPrefix("turn the comparison off") })
    _ = s.reduce(.key(.char("c")))
    #expect(s.compareTimeline == nil)
    #expect(s.message == "comparison with 2.6.34 off: it needs 160 columns or 40 rows (now 80×24)")
    // Where two models fit, c cycles the models as before: 2.6.34, 6.1, …, then off.
    var big = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 160, height: 40)
    var seen: [KernelVersion] = []
    for _ in 0..<KernelVersion.allCases.count {
      big.press(.char("c"))
      if let k = big.state.compareTimeline?.kernel { seen.append(k) }
    }
    #expect(seen == KernelVersion.allCases.filter { $0 != big.state.timeline.kernel })
    #expect(big.state.compareTimeline == nil)
  }

  @Test("→ on the last step and ← on step 0 say which end it is, and go nowhere")
  func ends() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene", view: .diagram), width: 80, height: 24)
    let n = d.state.timeline.stepCount
    d.press(.left)
    #expect(d.state.step == 0)
    #expect(d.state.notice == .warning("the first step (0/\(n))"))
    #expect(d.screen.contains("the first step (0/\(n))"), "\(d.screen)")
    d.press(.right)
    #expect(d.state.step == 1 && d.state.notice == nil)
    d.press(.char("G"), .right)
    #expect(d.state.step == n)
    #expect(d.state.notice == .warning("the last step (\(n)/\(n))"))
    #expect(d.screen.contains("the last step (\(n)/\(n))"), "\(d.screen)")
    // In the last step's micro-steps → shows the whole step (as it did), and says it is the last.
    d.press(.escape, .down, .down)
    #expect(d.state.micro != nil)
    d.press(.right)
    #expect(d.state.step == n && d.state.micro == nil)
    #expect(d.state.notice == .warning("the last step (\(n)/\(n))"))
    // p at the last step still says what it does before it starts over.
    d.press(.escape, .char("p"))
    #expect(d.state.message == AppState.playFromStart && !d.state.playing)
  }

  @Test("the kernel line of a step whose walk found no anon_vma (rwsem step 12) marks rmap_walk as no walk")
  func abortedWalkKernelLine() throws {
    var s = try sceneApp("concurrency/rwsem-readers-share-6.1.scene")
    s.go(to: 12)
    let frame = s.render(width: 120, height: 50).plainText
    #expect(frame.contains("rmap_walk (anon_vma NULL: no walk)"), "\(frame)")
    #expect(!s.layout.functions.contains("rmap_walk"))
    // A walk that ran is listed as it is (E5 step 9).
    var e5 = try sceneApp("e5-rmap-coverage.scene")
    e5.go(to: 9)
    #expect(e5.layout.functions.contains("rmap_walk"))
    #expect(!e5.render(width: 120, height: 50).plainText.contains("no walk"))
  }

  @Test(
    "every step of every scene: the kernel line says no walk exactly where the narration says the lock returned NULL")
  func kernelLineWalks() throws {
    var aborted = 0
    var walked = 0
    for file in allScenes() {
      var s = try sceneApp(file)
      for k in 1...max(1, s.timeline.stepCount) where k <= s.timeline.stepCount {
        let walks = s.timeline.replay.events(step: k).filter { $0.function == "rmap_walk" }
        guard !walks.isEmpty else { continue }
        let none = walks.allSatisfy { $0.text.contains("returned NULL: no walk") }
        s.go(to: k)
        let f = s.layout.functions
        #expect(f.contains("rmap_walk (anon_vma NULL: no walk)") == none, "\(file) step \(k): \(f)")
        #expect(f.contains("rmap_walk") == !none, "\(file) step \(k): \(f)")
        if none { aborted += 1 } else { walked += 1 }
      }
    }
    #expect(aborted > 0 && walked > 0)
  }

  @Test(
    "the matrix's walk line names the anon_vma walked, as the diagram does, and what the walk found at each VMA",
    arguments: [ForestView.matrix, .tree])
  func matrixWalkLine(view: ForestView) throws {
    var d = AppDriver(try sceneApp("e5-rmap-coverage.scene", view: view), width: 80, height: 24)
    d.type("g9\n")
    let screen = d.screen
    #expect(screen.contains("rmap walk of pg2 in AV2 under AV1's lock,"), "\(screen)")
    #expect(screen.contains("P2:A@0 ✓maps, P3:A@0 no pte"), "\(screen)")
    d.press(.char("v"))
    if d.state.forestView == .diagram {
      #expect(d.screen.contains("rmap walk of pg2"))
    }
  }
}
