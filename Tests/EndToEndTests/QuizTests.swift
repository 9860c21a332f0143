import Foundation
import TestSupport
import Testing

@Suite("quiz: the scene's questions on standard input and output, checked against the model, scored", .cleansUp)
struct QuizTests {
  /// `anonvis quiz SCENE < input` (the real binary, reading a file as a pipe would be read).
  static func quiz(_ scene: String, input: String) async throws -> RunResult {
    let binary = try #require(anonvisBinary, "anonvis binary not found")
    let file = try temporaryScene(input, name: "answers.txt")
    return try await runTool("/bin/sh", ["-c", "\"$0\" quiz \"$1\" < \"$2\"", binary.path, scene, file])
  }

  @Test("a scripted sequence of right, wrong and missing answers is scored; each step's narration follows")
  func scripted() async throws {
    // E3 asks P3's chain, whether AV2 is alive, AV1's refcount, then how many anon_vmas are left.
    let r = try await Self.quiz("scenes/e3-three-generations.scene", input: "av3, av2 av1\nfreed\n0x2\n")
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.isEmpty)
    let out = r.stdout
    #expect(out.hasPrefix("E3: Three generations and root lifetime: 4 questions in 8 steps\n"))
    #expect(
      out.contains(
        "question 1/4, before step 5 (fork P2 P3):\n  the chain of P3 A, newest first?\n> av3, av2 av1\n  right: AV3 AV2 AV1\nstep 5/8: fork P2 P3\n  \u{201c}P3's chain is AV3 AV2 AV1"
      ))
    #expect(out.contains("> freed\n  wrong: you said freed; the model says: alive\nstep 6/8: exit P2"))
    #expect(out.contains("> 0x2\n  right: 2\n"))
    #expect(out.contains("  no answer (end of input); the model says: 0\nstep 8/8: exit P3"))
    #expect(out.hasSuffix("\nscore: 2/4\n"))
    // The question comes before its step's narration, never after.
    let question = try #require(out.range(of: "question 1/4"))
    let narration = try #require(out.range(of: "P3's chain is AV3 AV2 AV1"))
    #expect(question.upperBound < narration.lowerBound)
    let wrongOrder = try await Self.quiz("scenes/e3-three-generations.scene", input: "AV1 AV2 AV3\nalive\n2\n0\n")
    #expect(wrongOrder.stdout.contains("wrong: you said AV1 AV2 AV3; the model says: AV3 AV2 AV1"))
    #expect(wrongOrder.stdout.hasSuffix("\nscore: 3/4\n"))
  }

  @Test("quiz and check refuse a malformed or unanswerable ask line with its position; no questions is said")
  func refused() async throws {
    let bad = try temporaryScene("spawn P1\nmmap P1 A 1\nask chain P1\ntouch P1 A 0\n")
    for command in ["quiz", "check", "play"] {
      let r = try await run([command, bad])
      #expect(r.status == 2, "\(command)")
      #expect(r.stderr.contains(":3:13: error: missing a mapping name\nask chain P1\n            ^"), "\(r.stderr)")
    }
    let unanswerable = try temporaryScene("spawn P1\nmmap P1 A 1\nask root AV2\ntouch P1 A 0\n")
    let r = try await Self.quiz(unanswerable, input: "")
    #expect(r.status == 2)
    #expect(
      r.stderr.contains(
        ":3:1: error: AV2 names nothing at this step (AV1..AV1 allocated) (after step 3)\nask root AV2\n^~~"))
    let none = try await Self.quiz("scenes/e8-interval-tree-order-6.1.scene", input: "")
    #expect(none.status == 0)
    #expect(none.stdout.hasSuffix("this scene has no ask lines: nothing to quiz\n"))
  }
}
