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

@Suite("Keys without hidden state in a real terminal (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct KeysTmuxTests {
  static let e2 = "\(repoRoot.path)/scenes/e2-fork-cow.scene"

  /// A session playing E2 (with extra `play` options), at its first frame (step `first`).
  static func play(_ options: String = "", at first: Int = 0) async throws -> TmuxSession {
    let binary = try #require(anonvisBinary)
    let t = try await TmuxSession()
    try await t.type("\(binary.path) play \(e2) \(options); echo EXIT=$?\n")
    try await t.waitFor(text: "step \(first)/11")
    return t
  }

  /// Quits with `q`; the exit status is 0.
  static func quit(_ t: TmuxSession) async throws {
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }

  @Test("one key leaves a fork's micro-steps; the status line says which, and what ↓↑ do")
  func leaveMicroSteps() async throws {
    let t = try await Self.play()
    try await t.type("g4")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 4/11")
    try await t.keys("Down")
    try await t.waitFor(text: "4.1/")
    try await t.type("jjjjj")
    try await t.waitFor(text: "4.6/")
    #expect(statusLine(try await t.screen()).contains("↓↑ micro  esc leave"))
    try await t.keys("Escape")
    let whole = try await t.waitFor("the whole step") { !$0.contains("4.6/") && !$0.contains("esc leave") }
    #expect(statusLine(whole).contains("↓↑ micro  g jump"), "\(whole)")
    // The next pane (the forest in the diagram view, the VMAs in the matrix view) selects.
    try await t.keys("Tab")
    try await t.waitFor("the forest pane's hints") { statusLine($0).contains("↓↑ select") }
    try await Self.quit(t)
  }

  @Test("p plays; → pauses it")
  func stepPausesPlay() async throws {
    let t = try await Self.play()
    try await t.keys("p")
    try await t.waitFor(text: "[playing]")
    try await t.keys("Right")
    let paused = try await t.waitFor("play paused") { !$0.contains("[playing]") }
    let step = try #require(paused.range(of: "step [0-9]+/11", options: .regularExpression).map { paused[$0] })
    // The step after the pause stays: `n` redraws the frame, on the same step.
    try await t.keys("n")
    let later = try await t.waitFor("presenter notes") { $0.contains("next:") }
    #expect(later.contains(step) && !later.contains("[playing]"), "\(later)")
    try await Self.quit(t)
  }

  @Test("':' in play opens the what-if prompt; the operation runs in a branch from the step")
  func whatIf() async throws {
    let t = try await Self.play()
    try await t.type("gfork")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 4/11")
    try await t.type(":")
    try await t.waitFor(text: "what-if from step 4 :_")
    try await t.type("fork P2 P3")
    try await t.keys("Enter")
    try await t.waitFor(text: "[what-if from step 4]")
    let screen = try await t.waitFor("the branch's step") { $0.contains("step 5/5") && $0.contains("ran: fork P2 P3") }
    #expect(screen.contains("P3"), "\(screen)")
    try await Self.quit(t)
  }

  @Test("z with nothing to fold says so")
  func nothingToFold() async throws {
    let t = try await Self.play()
    try await t.keys("G")
    try await t.waitFor(text: "step 11/11")
    try await t.keys("z")
    try await t.waitFor(text: "nothing to fold at this step")
    try await Self.quit(t)
  }

  @Test("play --step starts at a step number or a chapter")
  func startStep() async throws {
    let t = try await Self.play("--step 3", at: 3)
    try await Self.quit(t)
    try await t.type(
      "clear; \(try #require(anonvisBinary).path) play \(Self.e2) --step 'COW in the parent'; echo EXIT=$?\n")
    try await t.waitFor(text: "step 7/11")
    try await Self.quit(t)
  }

  @Test("quitting after the terminal grew or shrank leaves the shell's screen without frame fragments")
  func quitAfterResize() async throws {
    for sizes in [[(200, 60)], [(60, 16), (160, 50)], [(80, 24)]] {
      let t = try await Self.play()
      try await t.keys("Right")
      try await t.waitFor(text: "step 1/11")
      for (w, h) in sizes {
        try await t.tmux(["resize-window", "-t", "0", "-x", "\(w)", "-y", "\(h)"])
        try await t.waitFor("a \(w)x\(h) frame") { s in
          let lines = s.split(separator: "\n", omittingEmptySubsequences: false)
          return lines.count >= h && lines.contains { $0.contains("step 1/11") && $0.count > w - 30 }
        }
      }
      try await t.keys("q")
      let after = try await t.waitFor("the exit status") { $0.contains("EXIT=0") }
      #expect(!hasFrameFragments(after), "frame fragments after resizing to \(sizes):\n\(after)")
    }
  }
}

@Suite("play --step: a bad step exits 2 with a message", .cleansUp)
struct PlayStepTests {
  @Test("out of range, or naming no chapter", arguments: ["99", "nope"])
  func badStep(step: String) async throws {
    let r = try await run(["play", "scenes/e2-fork-cow.scene", "--step", step])
    #expect(r.status == 2)
    #expect(r.stderr.hasPrefix("error: --step"), "\(r.stderr)")
    #expect(r.stderr.contains(step == "99" ? "out of range: the scene has steps 0..11" : "'COW in the parent'"))
    #expect(!r.stderr.contains("needs a terminal"))
  }
}
