import Foundation
import TestSupport
import Testing

/// The last line of a screen with text (the status line of a frame).
private func statusLine(_ screen: String) -> String {
  screen.split(separator: "\n").last { !$0.allSatisfy { $0 == " " } }.map(String.init) ?? ""
}

/// Box drawing and block characters: what a frame leaves behind.
private func hasFrameFragments(_ screen: String) -> Bool {
  screen.unicodeScalars.contains { (0x2500...0x259F).contains($0.value) }
}

@Suite("Keys without hidden state in a real terminal (tmux)", .enabled(if: tmuxAvailable), .serialized)
struct KeysTmuxTests {
  static let e2 = "\(repoRoot.path)/scenes/e2-fork-cow.scene"

  /// A session playing E2 (with extra `play` options), at its first frame (step `first`).
  static func play(_ options: String = "", at first: Int = 0) throws -> TmuxSession {
    let binary = try #require(anonvisBinary)
    let t = try TmuxSession()
    try t.type("\(binary.path) play \(e2) \(options); echo EXIT=$?\n")
    try t.waitFor(text: "step \(first)/11")
    return t
  }

  /// Quits with `q`; the exit status is 0.
  static func quit(_ t: TmuxSession) throws {
    try t.keys("q")
    try t.waitFor(text: "EXIT=0")
  }

  @Test("one key leaves a fork's micro-steps; the status line says which, and what ↓↑ do")
  func leaveMicroSteps() throws {
    let t = try Self.play()
    try t.type("g4")
    try t.keys("Enter")
    try t.waitFor(text: "step 4/11")
    try t.keys("Down")
    try t.waitFor(text: "4.1/")
    try t.type("jjjjj")
    try t.waitFor(text: "4.6/")
    #expect(statusLine(try t.screen()).contains("↓↑ micro  esc leave"))
    try t.keys("Escape")
    let whole = try t.waitFor("the whole step") { !$0.contains("4.6/") && !$0.contains("esc leave") }
    #expect(statusLine(whole).contains("↓↑ micro  g jump"), "\(whole)")
    // The next pane (the forest in the diagram view, the VMAs in the matrix view) selects.
    try t.keys("Tab")
    try t.waitFor("the forest pane's hints") { statusLine($0).contains("↓↑ select") }
    try Self.quit(t)
  }

  @Test("p plays; → pauses it")
  func stepPausesPlay() throws {
    let t = try Self.play()
    try t.keys("p")
    try t.waitFor(text: "[playing]")
    try t.keys("Right")
    let paused = try t.waitFor("play paused") { !$0.contains("[playing]") }
    let step = try #require(paused.range(of: "step [0-9]+/11", options: .regularExpression).map { paused[$0] })
    // The step after the pause stays: `n` redraws the frame, on the same step.
    try t.keys("n")
    let later = try t.waitFor("presenter notes") { $0.contains("next:") }
    #expect(later.contains(step) && !later.contains("[playing]"), "\(later)")
    try Self.quit(t)
  }

  @Test("':' in play opens the what-if prompt; the operation runs in a branch from the step")
  func whatIf() throws {
    let t = try Self.play()
    try t.type("gfork")
    try t.keys("Enter")
    try t.waitFor(text: "step 4/11")
    try t.type(":")
    try t.waitFor(text: "what-if from step 4 :_")
    try t.type("fork P2 P3")
    try t.keys("Enter")
    try t.waitFor(text: "[what-if from step 4]")
    let screen = try t.waitFor("the branch's step") { $0.contains("step 5/5") && $0.contains("ran: fork P2 P3") }
    #expect(screen.contains("P3"), "\(screen)")
    try Self.quit(t)
  }

  @Test("z with nothing to fold says so")
  func nothingToFold() throws {
    let t = try Self.play()
    try t.keys("G")
    try t.waitFor(text: "step 11/11")
    try t.keys("z")
    try t.waitFor(text: "nothing to fold at this step")
    try Self.quit(t)
  }

  @Test("play --step starts at a step number or a chapter")
  func startStep() throws {
    let t = try Self.play("--step 3", at: 3)
    try Self.quit(t)
    try t.type("clear; \(try #require(anonvisBinary).path) play \(Self.e2) --step 'COW in the parent'; echo EXIT=$?\n")
    try t.waitFor(text: "step 7/11")
    try Self.quit(t)
  }

  @Test("quitting after the terminal grew or shrank leaves the shell's screen without frame fragments")
  func quitAfterResize() throws {
    for sizes in [[(200, 60)], [(60, 16), (160, 50)], [(80, 24)]] {
      let t = try Self.play()
      try t.keys("Right")
      try t.waitFor(text: "step 1/11")
      for (w, h) in sizes {
        try t.tmux(["resize-window", "-t", "0", "-x", "\(w)", "-y", "\(h)"])
        try t.waitFor("a \(w)x\(h) frame") { s in
          let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
          return lines.count >= h && lines.contains { $0.contains("step 1/11") && $0.count > w - 30 }
        }
      }
      try t.keys("q")
      let after = try t.waitFor("the exit status") { $0.contains("EXIT=0") }
      #expect(!hasFrameFragments(after), "frame fragments after resizing to \(sizes):\n\(after)")
    }
  }
}

@Suite("play --step: a bad step exits 2 with a message")
struct PlayStepTests {
  @Test("out of range, or naming no chapter", arguments: ["99", "nope"])
  func badStep(step: String) throws {
    let r = try run(["play", "scenes/e2-fork-cow.scene", "--step", step])
    #expect(r.status == 2)
    #expect(r.stderr.hasPrefix("error: --step"), "\(r.stderr)")
    #expect(r.stderr.contains(step == "99" ? "out of range: the scene has steps 0..11" : "'COW in the parent'"))
    #expect(!r.stderr.contains("needs a terminal"))
  }
}
