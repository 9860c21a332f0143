import Foundation
import TestSupport
import Testing

@Suite(
  "Nothing but the view reaches the screen while it is up (tmux)", .cleansUp, .enabled(if: tmuxAvailable), .serialized)
struct StrayOutputTmuxTests {
  @Test("c and a what-if build timelines under the view: no progress line is written over it")
  func noProgressLineOverTheView() async throws {
    let binary = try #require(anonvisBinary)
    // Wide enough for two models side by side: `c` at 80x24 builds nothing (it says there is no
    // room to compare).
    let t = try await TmuxSession(width: 160, height: 40)
    try await type(t, "\(binary.path) play \(repoRoot.path)/scenes/e3-three-generations.scene; echo EXIT=$?\n")
    try await t.waitFor(text: "step 0/8")
    // The progress line of the scene's load started when it loaded: draws are allowed after half
    // a second, so wait that long before the builds (a wall-clock floor, not a budget).
    try await Task.sleep(for: .milliseconds(800))
    try await t.type("g6")
    try await t.keys("Enter")
    try await t.waitFor(text: "step 6/8")
    try await t.keys("c")
    try await t.waitFor("both models at step 6") { $0.components(separatedBy: "step 6/8").count - 1 >= 2 }
    try await t.type(":touch P1 A 0")
    try await t.keys("Enter")
    let screen = try await t.waitFor("the what-if step") { $0.contains("what-if") }
    #expect(!screen.contains("building"), "\(screen)")
    let first = screen.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
    #expect(first.contains("kernel 2.6.36"), "the header is still on the first row: \(screen)")
    try await t.keys("q")
    try await t.waitFor(text: "EXIT=0")
  }
}
