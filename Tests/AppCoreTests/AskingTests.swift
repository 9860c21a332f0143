import ScenePlayer
import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Questions in play and present: asked before the step, answered by the model on a key")
struct AskingTests {
  /// E3 at step 4 (after fork P1 P2), questions on (as `present` and `play --ask` set them).
  static func e3() throws -> AppState {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.askQuestions = true
    send(&s, [.char("g"), .char("4"), .enter])
    return s
  }

  @Test("→ puts the question up with the step before on screen; the audience frame never holds the answer")
  func questionFirst() throws {
    var s = try Self.e3()
    send(&s, [.right])
    #expect(s.step == 4 && s.asking == Asking(step: 5, revealed: false))
    for (w, h) in [(80, 24), (120, 40), (200, 60)] {
      let frame = s.render(width: w, height: h).plainText
      #expect(frame.contains("? question before step 5 (fork P2 P3):"), "\(frame)")
      #expect(frame.contains("the chain of P3 A, newest first?"))
      #expect(frame.contains("(a or → reveals the model's answer)"))
      // AV3 does not exist before the step: the frame must not name it, nor the answer line
      // (step 4's own micro-steps, listed at 200x60, say `P2:A@0->anon_vma = AV2`).
      #expect(!frame.contains("AV3") && !frame.contains("= AV3 AV2 AV1"), "\(frame)")
    }
    send(&s, [.char("a")])
    #expect(s.asking == Asking(step: 5, revealed: true) && s.step == 4)
    let revealed = s.render(width: 100, height: 30).plainText
    #expect(revealed.contains("= AV3 AV2 AV1"))
    #expect(revealed.contains("(the model's answer; → runs the step)"))
    send(&s, [.right])
    #expect(s.step == 5 && s.asking == nil)
    #expect(!s.render(width: 100, height: 30).plainText.contains("? question"))
  }

  @Test("→ reveals too; an answered question is not asked again; a jump or ← drops an unanswered one")
  func keys() throws {
    var s = try Self.e3()
    send(&s, [.right, .right])
    #expect(s.asking?.revealed == true && s.step == 4)
    send(&s, [.right, .left, .right])
    #expect(s.step == 5 && s.asking == nil)
    send(&s, [.right])
    #expect(s.asking == Asking(step: 6, revealed: false))
    send(&s, [.left])
    #expect(s.step == 4 && s.asking == nil)
    send(&s, [.right, .right])
    #expect(s.step == 5 && s.asking == Asking(step: 6, revealed: false))
  }

  @Test("play stops at a question and goes on after it; without questions on, → runs the step")
  func play() throws {
    var s = try Self.e3()
    send(&s, [.char("p")])
    _ = s.reduce(.tick(10))
    #expect(!s.playing && s.step == 4 && s.asking == Asking(step: 5, revealed: false))
    send(&s, [.char("p")])
    _ = s.reduce(.tick(s.pace))
    #expect(s.playing && s.asking?.revealed == true && s.step == 4)
    _ = s.reduce(.tick(s.pace))
    #expect(s.step == 5)
    var off = try sceneApp("e3-three-generations.scene")
    send(&off, [.char("g"), .char("4"), .enter, .right])
    #expect(off.step == 5 && off.asking == nil)
  }

  @Test("with --cards, the chapter's card comes first, then its question")
  func cardsThenQuestion() throws {
    var s = try Self.e3()
    s.cards = true
    send(&s, [.right, .right, .right])
    #expect(s.step == 5)
    send(&s, [.right])
    #expect(s.card == 6 && s.asking == nil)
    send(&s, [.right])
    #expect(s.card == nil && s.asking == Asking(step: 6, revealed: false))
  }
}
