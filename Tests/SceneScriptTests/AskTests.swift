import SceneScript
import Testing

@Suite("ask lines: parsed as expect names things, checked with positions")
struct AskTests {
  /// The diagnostics of a scene, rendered as `check` prints them.
  static func rendered(_ source: String) -> String {
    let scene = Parser.parse(source)
    return DiagnosticRenderer(fileName: "q.scene", source: source).render(all: scene.diagnostics)
  }

  @Test("every form parses into its question")
  func forms() {
    let source = """
      kernel 6.1
      cpus 2
      spawn P1
      mmap P1 A 4
      ask anon_vmas
      ask avcs
      ask pages
      ask violations
      ask chain P1 A @2
      ask anon_vma P1 A
      ask root AV1
      ask parent AV1
      ask refcount AV1
      ask num_children AV1
      ask num_active_vmas AV1
      ask page P1 A 3
      ask lock AV1
      ask lock-holder AV1
      ask state cpu1
      ask alive AV1
      ask visits P1 A 0
      touch P1 A 0..3
      """
    let scene = Parser.parse(source)
    #expect(scene.diagnostics.isEmpty, "\(scene.diagnostics)")
    let questions = scene.statements.compactMap { s -> Question? in
      if case .ask(let q) = s.statement { return q }
      return nil
    }
    #expect(questions.count == 17)
    guard case .chain(let r) = questions[4] else {
      Issue.record("not a chain question: \(questions[4])")
      return
    }
    #expect(r.description == "P1 A @2")
    #expect(questions[12] == .lock(1) && questions[13] == .lock(1))
    #expect(questions[14] == .cpuState(1))
    #expect(Question.forms.count == 16)
  }

  @Test("malformed ask lines are refused with file:line:column and a caret")
  func malformed() {
    let cases: [(String, String)] = [
      ("ask", "q.scene:1:4: error: missing what to ask (chain, root, refcount, lock, ...)\nask\n   ^"),
      ("ask chain\nspawn P1", "q.scene:1:10: error: missing a process name\nask chain\n         ^"),
      (
        "ask root 3\nspawn P1",
        "q.scene:1:10: error: expected an anon_vma name like AV1, found '3'\nask root 3\n         ^"
      ),
      (
        "ask root AV1 == AV1\nspawn P1",
        "q.scene:1:14: error: unexpected extra argument '=='\nask root AV1 == AV1\n             ^~"
      ),
      (
        "ask state gpu0\nspawn P1",
        "q.scene:1:11: error: expected a CPU name like cpu0, found 'gpu0'\nask state gpu0\n          ^~~~"
      ),
      (
        "ask \"chain\"\nspawn P1",
        "q.scene:1:5: error: expected what to ask (chain, root, refcount, lock, ...), found a string\nask \"chain\"\n    ^~~~~~~"
      ),
    ]
    for (source, expected) in cases {
      #expect(Self.rendered(source) == expected, "\(source)")
    }
    let unknown = Self.rendered("spawn P1\nask colour AV1\nexit P1")
    #expect(unknown.hasPrefix("q.scene:2:5: error: unknown question 'colour' (ask one of: anon_vmas, "), "\(unknown)")
    #expect(unknown.hasSuffix("\nask colour AV1\n    ^~~~~~"))
  }

  @Test("names are checked after the step the ask is about; an ask with no step after it is refused")
  func names() {
    // P2 exists after the fork the question is asked before: no error.
    #expect(Parser.parse("spawn P1\nmmap P1 A 1\ntouch P1 A 0\nask chain P2 A\nfork P1 P2").diagnostics.isEmpty)
    #expect(
      Self.rendered("spawn P1\nmmap P1 A 1\nask chain P3 A\nfork P1 P2")
        == "q.scene:3:11: error: unknown process 'P3'; did you mean 'P1'?\nask chain P3 A\n          ^~")
    #expect(
      Self.rendered("spawn P1\nmmap P1 A 1\nask page P1 B 0\ntouch P1 A 0")
        == "q.scene:3:13: error: process 'P1' has no mapping 'B'\nask page P1 B 0\n            ^")
    #expect(
      Self.rendered("spawn P1\nmmap P1 A 1\nask page P1 A 5\ntouch P1 A 0")
        == "q.scene:3:15: error: page 5 is out of range: mapping 'A' of 'P1' has 1 page(s) (0..0)\nask page P1 A 5\n              ^"
    )
    #expect(
      Self.rendered("spawn P1\nask state cpu1\nexit P1")
        == "q.scene:2:11: error: cpu1 does not exist: the scene has 1 CPU(s)\nask state cpu1\n          ^~~~")
    #expect(
      Self.rendered("spawn P1\nask parent AV1\nexit P1")
        == "q.scene:2:5: error: 'parent' exists only in the 6.1 and mainline models\nask parent AV1\n    ^~~~~~")
    #expect(
      Self.rendered("spawn P1\nask anon_vmas\nsay \"x\"")
        == "q.scene:2:1: error: 'ask' asks about the step after it, and no step follows "
        + "(put the ask line before the operation whose outcome it asks about)\nask anon_vmas\n^~~")
  }
}
