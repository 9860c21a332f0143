import Foundation
import ScenePlayer
import SceneScript
import TermRender
import TestSupport
import Testing

@testable import AppCore

/// The scenes under scenes/ (every directory but the scale workloads), by path under scenes/.
func allScenes() -> [String] {
  let dir = repoRoot.appendingPathComponent("scenes")
  let files = FileManager.default.enumerator(atPath: dir.path)?.allObjects as? [String] ?? []
  return files.filter { $0.hasSuffix(".scene") && !$0.hasPrefix("scale/") }.sorted()
}

@Suite("Keys without hidden state: leaving micro-steps, play, what-if, folding")
struct KeysTests {
  @Test("esc (or K) leaves a fork's micro-steps at once; k backs out one at a time")
  func leaveMicroSteps() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"))
    d.press(.char("g"))
    d.type("fork\n")
    #expect(d.state.step == 4)
    d.press(.down)
    for _ in 0..<16 { d.press(.char("j")) }
    let deep = try #require(d.state.micro)
    #expect(deep >= 10)
    d.press(.char("k"))
    #expect(d.state.micro == deep - 1)
    d.press(.escape)
    #expect(d.state.micro == nil && d.state.step == 4)
    #expect(!d.screen.contains("esc leave"))
    d.press(.down, .down, .char("K"))
    #expect(d.state.micro == nil && d.state.step == 4)
  }

  @Test("p then a step, jump or micro-step key pauses play; other keys do not")
  func stepPausesPlay() throws {
    for keys: [Key] in [[.right], [.left], [.char("j")], [.down], [.char("0")], [.char("G")], [.char("g")]] {
      var d = AppDriver(try sceneApp("e2-fork-cow.scene"))
      d.press(.right, .right, .char("p"))
      #expect(d.state.playing)
      for k in keys { d.press(k) }
      #expect(!d.state.playing, "\(keys) did not pause play")
      let step = d.state.step
      d.wait(.seconds(10))
      #expect(d.state.step == step, "\(keys): play went on")
    }
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"))
    d.press(.char("p"), .char("n"), .tab, .down)
    #expect(d.state.playing, "presenter notes and the selection keep playing")
  }

  @Test("':' in play opens the what-if prompt; the operation runs in a branch from the step on screen")
  func whatIf() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"), width: 120, height: 40)
    let original = d.state.timeline
    d.press(.char("g"))
    d.type("fork\n")
    d.press(.char("p"), .char(":"))
    #expect(!d.state.playing)
    #expect(d.state.prompt == .whatIf(""))
    d.type("fork P2 P3")
    #expect(d.screen.contains("what-if from step 4 :fork P2 P3_"))
    d.press(.enter)
    let s = d.state
    #expect(s.explore && s.branchedAt == 4)
    #expect(s.timeline.stepCount == 5 && s.step == 5)
    #expect(s.timeline.steps[5].label == "fork P2 P3")
    #expect(s.world.processIndex(named: "P3") != nil)
    // The history is the scene's steps up to the branch, world for world.
    for k in 0...4 { #expect(s.timeline.states[k] == original.states[k], "step \(k)") }
    #expect(d.screen.contains("[what-if from step 4]"))
    #expect(d.screen.contains("ran: fork P2 P3"))
    let saved = s.exploreScene.split(separator: "\n").suffix(5)
    #expect(
      saved == [
        "fork P1 P2", "say \"anon_vma_clone gives P2's VMA a chain entry on AV1, added at the tail of AV1's list;\"",
        "say \"anon_vma_fork then adds P2's own AV2, whose root is AV1 and which pins AV1.\"",
        "note \"Both list insertions and AV2's link take AV1's lock: the root lock.\"", "fork P2 P3",
      ])
    #expect(s.exploreScene.hasPrefix("title \"E2: Fork and COW\"\nkernel 2.6.36\n\nspawn P1\nmmap P1 A 4\n"))
    // Further operations run at ':' as in explore mode.
    d.press(.char(":"))
    #expect(d.state.prompt == .command(""))
    d.type("exit P3\n")
    #expect(d.state.timeline.stepCount == 6)
  }

  @Test("a what-if branch keeps the comparison: the other model runs the branch too")
  func whatIfCompared() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    send(&s, [.char("g")] + chars("fork") + [.enter, .char("c")])
    let other = try #require(s.compareTimeline?.kernel)
    send(&s, [.char(":")] + chars("fork P2 P3") + [.enter])
    #expect(s.branchedAt == 4 && s.compareTimeline?.kernel == other)
    #expect(s.compareTimeline?.stepCount == 5)
    #expect(s.compareTimeline?.states[5].processIndex(named: "P3") != nil)
    send(&s, [.char(":")] + chars("exit P3") + [.enter])
    #expect(s.compareTimeline?.stepCount == 6 && s.timeline.stepCount == 6)
    #expect(s.render(width: 120, height: 40).plainText.contains("[what-if from step 4]"))
    // Explore sessions that did not branch have nothing to compare, as before.
    var e = AppState(timeline: Timeline(title: "explore", kernel: .v2_6_36), fileName: "")
    e.explore = true
    send(&e, [.char(":")] + chars("spawn P1") + [.enter])
    #expect(e.scene == nil && e.message == "ran: spawn P1")
  }

  @Test("a what-if line that does not run leaves the scene as it was, with the error")
  func whatIfError() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    send(&s, [.char("G"), .char("g")] + chars("3") + [.enter])
    let count = s.timeline.stepCount
    send(&s, [.char(":")] + chars("touch P9 A 0") + [.enter])
    #expect(!s.explore && s.branchedAt == nil && s.timeline.stepCount == count && s.step == 3)
    #expect(s.message?.hasPrefix("error:") == true && s.message?.hasSuffix("(no what-if branch made)") == true)
    send(&s, [.char(":")] + chars("frobnicate") + [.enter])
    #expect(!s.explore && s.timeline.stepCount == count)
    send(&s, [.char(":"), .escape])
    #expect(s.prompt == nil && !s.explore)
  }

  @Test("a what-if branch replays every scene's history exactly, at its last step", arguments: allScenes())
  func branchReplaysHistory(scene name: String) throws {
    var s = try sceneApp(name)
    guard s.timeline.runtimeDiagnostics.isEmpty else { return }
    s.go(to: s.timeline.stepCount)
    let original = s.timeline
    #expect(s.branch() == nil)
    #expect(s.timeline.stepCount == original.stepCount)
    #expect(s.timeline.states[original.stepCount] == original.states[original.stepCount])
    #expect(s.timeline.steps.map(\.say) == original.steps.map(\.say))
    #expect(s.timeline.steps.map(\.label) == original.steps.map(\.label))
    #expect(s.timeline.chapters.map(\.title) == original.chapters.map(\.title))
    // The saved branch is a scene that runs to the same state.
    let saved = Timeline(scene: Parser.parse(s.exploreScene), defaultTitle: "x")
    #expect(saved.stepCount == original.stepCount && saved.runtimeDiagnostics.isEmpty)
    #expect(saved.states[saved.stepCount] == original.states[original.stepCount])
  }

  @Test("the ? help shows every row at 60x16 too: ↓ scrolls it, ↑ back")
  func helpScrolls() throws {
    var d = AppDriver(try sceneApp("e2-fork-cow.scene"), width: 60, height: 16)
    d.press(.right, .right, .down, .tab, .char("?"))
    let rows = d.state.validKeys
    let width = rows.map { $0.0.count }.max() ?? 0
    var unseen = rows.map { $0.0.padding(width + 2) + $0.1.prefix(10) }
    #expect(unseen.count > 12)
    for _ in 0..<rows.count {
      unseen.removeAll { d.screen.contains($0) }
      d.press(.down)
    }
    #expect(unseen.isEmpty, "rows never shown: \(unseen)")
    #expect(d.screen.contains("above)") && d.state.overlay == .help && d.state.step == 2)
    d.press(.pageUp, .pageUp)
    #expect(d.screen.contains("keys valid now") && !d.screen.contains("above)"))
  }

  @Test("in the ? help, q quits as the help says (esc, enter and ? close it); in the inspector q closes it")
  func helpQuits() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    send(&s, [.char("?")])
    #expect(s.overlay == .help)
    #expect(s.validKeys.contains { $0.0 == "q" && $0.1 == "quit" })
    #expect(send(&s, [.char("q")]) == [.quit])
    for close in [Key.escape, .enter, .char("?")] {
      var t = try sceneApp("e2-fork-cow.scene")
      send(&t, [.char("?")])
      #expect(send(&t, [close]).isEmpty && t.overlay == nil, "\(close)")
    }
    var i = try sceneApp("e2-fork-cow.scene")
    send(&i, [.char("G"), .tab, .down, .enter])
    #expect(i.overlay == .inspector)
    #expect(send(&i, [.char("q")]).isEmpty && i.overlay == nil)
  }

  @Test("z says when nothing can fold")
  func nothingToFold() throws {
    var s = try sceneApp("e2-fork-cow.scene")
    send(&s, [.char("G"), .char("z")])
    #expect(s.message?.hasPrefix("nothing to fold at this step") == true)
    #expect(s.render(width: 120, height: 40).plainText.contains("nothing to fold at this step"))
    // A forest with identical siblings folds, and z says nothing.
    var f = app("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nfork P1 P2\nfork P1 P3\nfork P1 P4\nfork P1 P5")
    send(&f, [.char("G")])
    #expect(f.layout.hasFolds)
    send(&f, [.char("z")])
    #expect(f.message == nil && !f.folding && !f.layout.hasFolds)
  }

  @Test("a step number or chapter names a step (g and play --step)")
  func stepNamed() throws {
    let s = try sceneApp("e2-fork-cow.scene")
    #expect(s.step(named: "3") == .success(3))
    #expect(s.step(named: " COW in the parent") == .success(7))
    #expect(s.step(named: "99") == .failure(StepNotFound(message: "no step 99: the scene has steps 0..11")))
    #expect(s.step(named: "nope") == .failure(StepNotFound(message: "no step or chapter 'nope'")))
  }
}
