import TermRender
import TestSupport
import Testing

@testable import AppCore

@Suite("Pacing: play's pace (+/-), the play indicator, chapter title cards (--cards)")
struct PacingTests {
  static func e3(cards: Bool = false) throws -> AppState {
    var s = try sceneApp("e3-three-generations.scene", view: .diagram)
    s.cards = cards
    return s
  }

  /// The last row of the frame (the status line).
  static func status(_ s: AppState, width: Int, height: Int = 24) -> String {
    s.render(width: width, height: height).plainText.split(separator: "\n", omittingEmptySubsequences: false)[
      height - 1
    ].description
  }

  @Test("+ and - step the pace through its table, bounded, and say so")
  func pace() throws {
    var s = try Self.e3()
    #expect(s.pace == 1.5)
    send(&s, [.char("+")])
    #expect(s.pace == 1 && s.message == "pace 1s per step (p plays)")
    send(&s, [.char("+"), .char("+"), .char("+"), .char("+")])
    #expect(s.pace == 0.5)
    send(&s, [.char("-")])
    #expect(s.pace == 0.75 && s.message == "pace 0.75s per step (p plays)")
    for _ in 0..<10 { send(&s, [.char("-")]) }
    #expect(s.pace == 8)
  }

  @Test("playing advances at the pace set, and shows it on the status line at every width")
  func playIndicator() throws {
    var s = try Self.e3()
    send(&s, [.char("+"), .char("p")])
    #expect(s.playing)
    _ = s.reduce(.tick(0.9))
    #expect(s.step == 0)
    _ = s.reduce(.tick(0.2))
    #expect(s.step == 1)
    for width in [60, 80, 120, 200] {
      #expect(Self.status(s, width: width).contains("▶ 1s "), "width \(width): \(Self.status(s, width: width))")
    }
    s.options.ascii = true
    #expect(Self.status(s, width: 60).contains("> 1s "))
    send(&s, [.char("p")])
    #expect(!Self.status(s, width: 80).contains("1s "))
  }

  @Test("--cards: a chapter's title card comes before its first step; → shows the step, ← puts it away")
  func cards() throws {
    var s = try Self.e3(cards: true)
    send(&s, [.right])
    #expect(s.step == 0 && s.card == 1)
    let card = s.render(width: 80, height: 24).plainText
    #expect(card.contains("chapter 1 of 3") && card.contains("Three generations") && card.contains("step 1/8"))
    #expect(!card.contains("narration"), "the card is the whole screen")
    send(&s, [.right])
    #expect(s.step == 1 && s.card == nil)
    send(&s, [.right])
    #expect(s.step == 2, "no card inside a chapter")
    // Before the second chapter: ← puts the card away and stays.
    let second = try #require(s.timeline.chapters.dropFirst().first)
    s.go(to: second.step - 1)
    send(&s, [.right])
    #expect(s.card == second.step && s.step == second.step - 1)
    send(&s, [.left])
    #expect(s.card == nil && s.step == second.step - 1)
    // Play takes the card as one step of its pace.
    send(&s, [.char("p")])
    _ = s.reduce(.tick(1.5))
    #expect(s.card == second.step && s.step == second.step - 1)
    #expect(s.render(width: 60, height: 16).plainText.contains("▶ playing 1.5s"))
    _ = s.reduce(.tick(1.5))
    #expect(s.card == nil && s.step == second.step)
  }

  @Test("without --cards, → goes straight into a chapter")
  func noCards() throws {
    var s = try Self.e3()
    send(&s, [.right])
    #expect(s.step == 1 && s.card == nil)
  }

  @Test("pace text")
  func paceText() {
    #expect(AppState.paceText(1.5) == "1.5s")
    #expect(AppState.paceText(1) == "1s")
    #expect(AppState.paceText(0.75) == "0.75s")
    #expect(AppState.paceText(8) == "8s")
  }
}
